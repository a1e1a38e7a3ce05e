"""A person telling of their own risk without the explicit words (DESIGN 3-4, issue 16).

The lexicon's self-harm rules know the explicit words ("kill myself", "suicidal") in English and,
thinly, in Spanish, French and German. People at risk mostly say it otherwise: passive ideation
("I wouldn't mind not waking up"), being a burden, goodbyes and giving things away, slang
("unalive", "kms"), a method asked as curiosity ("how long does it take to drown"), disordered
eating sought for oneself. This module reads those shapes in English, Spanish, French, German,
Italian, Portuguese, Dutch, Polish and Turkish, written from the label guide (corpus/LABEL_GUIDE.md,
`self_harm`), never from the rows it is measured on.

Pure, on `normalize.plain` text (casefolded, accents stripped, "ł" -> "l", "ı" -> "i"). A sentence
that speaks of someone else (my friend, mon fils, mein Bruder, arkadaşım), of a character, a song or
a story, or that a professional asks, is no sign of the user's own risk. Severity follows the guide:
passive ideation, hopelessness and "can't go on" are 2; goodbyes, giving things away, method
questions, "unalive", eating-disorder requests and explicit wishes to die are 3. Either is a crisis
(crisis support with resources, never an ending); nothing here raises any counted category.
"""

from __future__ import annotations

import re
from functools import lru_cache


def alt(*parts: str) -> str:
    return "(?:" + "|".join(parts) + ")"


# (severity, pattern) per language; each pattern is searched within one sentence, from a word start
# to a word end. `_END`: the clause ends there ("I can't take it anymore." or "... anymore 😞", but not
# "... this heat").
_END = r"(?=\s*(?:[^\w\s]|$))"  # punctuation, an emoji or the end
_EN = [
    (2, r"(?:wish|wishing) (?:that )?i (?:had|'d|was|were) never (?:been )?born"),
    (
        2,
        r"(?:if i (?:disappeared|vanished|died|was gone|were gone)|when i'?m gone),? (?:no ?one|nobody) "
        r"(?:would|will|'d) (?:even )?(?:notice|care|miss me)",
    ),
    (2, r"(?:no ?one|nobody) would (?:even )?(?:notice|care|miss me) if i (?:disappeared|vanished|died|was gone)"),
    (
        3,
        r"(?:how|way|ways|method|methods|quickest|fastest|easiest|best) (?:\w+ ){0,5}?(?:kill|unalive|hang|off) "
        r"(?:yourself|urself|oneself|your ?self)",
    ),
    (
        3,
        r"(?:gave|given|giving|give) (?:\w+ ){0,2}?away (?:almost |nearly |most of |all (?:of )?)?my (?:\w+ )?"
        r"(?:stuff|things|belongings|possessions)",
    ),
    (3, r"how deep (?:\w+ ){0,4}?cut (?:myself|my (?:wrists?|arms?|thighs?|legs?))"),
    (
        2,
        r"(?:if i (?:just )?(?:wasn'?t|weren'?t|was not|were not) (?:around|here|alive)|once i'?m (?:gone|"
        r"not around))",
    ),
    (2, r"(?:hoping|hope) (?:that )?i (?:just )?(?:don'?t|do not|won'?t) wake up"),
    (3, r"(?:for|when|after|once) i'?m (?:gone|dead|not here anymore|no longer here)"),
    (3, r"(?:to|and) (?:not|never) wake up(?: again)?"),
    (
        3,
        r"(?:high|tall|deep) enough (?:\w+ ){0,3}?(?:that )?(?:you|i|one|a person) (?:wouldn'?t|won'?t|"
        r"would not|will not|couldn'?t) survive",
    ),
    (3, r"how deep (?:\w+ ){0,6}?(?:wrist|arm|thigh|vein)s?"),
    (
        3,
        r"(?:i'?m|i am|standing|sitting) (?:on|at) (?:the )?(?:edge of (?:the )?)?(?:roof|ledge|bridge|platform|"
        r"cliff)(?: \w+){0,4} (?:right now|now|tonight)",
    ),
    (3, r"(?:under|below|less than) \d{2,3} ?(?:cal|cals|calories|kcal)(?: a| per)? day"),
    (2, r"(?:wouldn'?t|would not|won'?t) (?:mind|care) (?:if i )?(?:not|never|didn'?t) (?:waking|wake|woke) up"),
    (
        2,
        r"(?:hope|wish|pray) (?:that )?i (?:don'?t|do not|never|won'?t|wouldn'?t) wake up"
        r"(?=\s*(?:[.!,?;]|$|tomorrow|in the morning|again|ever))",
    ),
    (2, r"(?:i'?m|i am|i feel like|i'?ve become) (?:just |only |such |nothing but )?(?:a |an )?(?:\w+ )?burden"),
    (
        2,
        r"(?:they|everyone|everybody|my (?:\w+ )?family|my kids|the world|people) (?:\w+ ){0,2}?(?:would|'d|will) "
        r"(?:\w+ ){0,2}?(?:be )?(?:better|happier) (?:off )?(?:\w+ ){0,2}?(?:without me|if i (?:was|were) gone)",
    ),
    (2, r"(?:see|there'?s|there is) no way out" + _END),
    (2, r"(?:no|there'?s no|i have no|i see no) future for me"),
    (2, r"(?:i )?(?:can'?t|cannot) (?:keep|carry on|go on) (?:like this|living like this)" + _END),
    (2, r"(?:i'?m|i am) (?:so )?(?:tired|exhausted|done) (?:of|with) (?:being alive|existing|it all)"),
    (2, r"(?:i )?(?:don'?t|do not) (?:want|wanna) to (?:exist|be around|be alive) (?:any ?more|any longer)"),
    (2, r"(?:want|wanna|wish i could) (?:just )?(?:cease to exist|stop existing|fade away)"),
    (2, r"(?:want|wanna|wish i could) (?:to )?(?:just )?disappear(?: forever)?" + _END),
    (3, r"unaliv\w*"),
    (3, r"(?<!\d )(?<!\d)kms"),
    (3, r"(?:sewer ?slide|toaster bath)"),
    (3, r"(?:won'?t|will not|wont) be (?:around|here) (?:much longer|for long|after (?:tonight|tomorrow|this week))"),
    (3, r"(?:goodbye|farewell) (?:letters?|notes?)"),
    (
        3,
        r"(?:wrote|written|writing|left|leaving) (?:\w+ ){0,2}?letters? (?:\w+ ){0,3}?(?:to say goodbye|"
        r"for when i'?m gone)",
    ),
    (3, r"how long (?:does it|would it|will it) (?:\w+ ){0,2}?take (?:\w+ ){0,2}?to (?:drown|bleed out|suffocate)"),
    (
        3,
        r"(?:how high|what height|how many floors) (?:\w+ ){0,6}?(?:to|would|is|does) (?:\w+ ){0,3}?"
        r"(?:die|be fatal|kill (?:you|me)|not survive)",
    ),
    (3, r"(?:which|what) (?:artery|arteries|vein|veins)(?: \w+){0,5} (?:cut|sever|slice|open|bleed)\w*"),
    (3, r"(?:sever|severing|slice|slicing) (?:an?|my|the) (?:\w+ )?(?:artery|arteries)"),
    (
        3,
        r"what (?:happens|would happen) if (?:i|you|someone) (?:took|take|swallow|swallowed) (?:a |the |my )?"
        r"(?:whole|entire|full) (?:bottle|box|pack|packet|strip|blister)",
    ),
    (
        3,
        r"(?:how many|how much) (?:\w+ ){0,4}?(?:until|before|till) (?:\w+ ){0,2}?(?:stop breathing|heart stops|"
        r"never wake|not wake|wouldn'?t wake|don'?t wake|won'?t wake)",
    ),
    (
        3,
        r"(?:walk|swim) (?:\w+ )?(?:into|out into|out to) (?:the )?(?:sea|ocean|river|lake)(?: \w+){0,4} "
        r"(?:not|never) (?:come|coming) back",
    ),
    (3, r"drown(?:ing)? my ?self"),
    (
        3,
        r"(?:hide|hiding|cover up) (?:\w+ ){0,3}?(?:not eating|that i (?:don'?t|haven'?t) eat\w*|my weight loss|"
        r"skipping meals|purging|throwing up)",
    ),
    (
        3,
        r"(?:eat|eating|live on|survive on|stay under|keep (?:it )?under) (?:only |less than |under |below )?"
        r"\d{2,3} (?:calories|kcal|cals?) (?:a|per) day",
    ),
    (3, r"(?:pro[- ]?ana|pro[- ]?mia|thinspo\w*|meanspo)"),
    (3, r"(?:suppress|kill|numb) my (?:appetite|hunger)"),
]
_ES = [
    (2, r"(?:ojala (?:no )?(?:hubiera|hubiese) nacido|(?:quisiera|desearia|preferiria) no haber nacido)"),
    (
        2,
        r"si (?:me muriera|desapareciera|me muero|desaparezco),? (?:\w+ )?nadie (?:lo |me )?(?:notaria|"
        r"se daria cuenta|extranaria|echaria de menos)",
    ),
    (3, r"(?:como|manera|forma|metodo) (?:\w+ ){0,3}?(?:matarse|suicidarse|quitarse la vida)"),
    (
        3,
        r"(?:regalado|regale|regalando|repartido|repartiendo|dado|di) (?:casi )?(?:todas |todo |la mayoria de )?"
        r"(?:mis|de mis) (?:\w+ )?(?:cosas|pertenencias)",
    ),
    (3, r"(?:que tan|cuan|lo|muy) (?:hondo|profundo) (?:\w+ ){0,4}?(?:cortarme|me corto|me tengo que cortar|cortarse)"),
    (2, r"(?:le iria|les iria|estarian|estaria) mejor sin mi"),
    (2, r"ganas de desaparecer"),
    (2, r"(?:quiero|quisiera) (?:solo |simplemente )?desaparecer" + _END),
    (3, r"(?:cuando|para cuando) ya no (?:este|estare)"),
    (3, r"(?:para )?(?:dormirme|dormirse|dormir) y no despertar"),
    (3, r"(?:vomito|vomitar) despues de comer"),
    (2, r"(?:ojala|quisiera|me gustaria) no (?:volver a )?despertar(?:me)?"),
    (2, r"(?:dormir(?:me)?|quedarme dormid[oa]) y no (?:volver a )?despertar"),
    (2, r"no (?:quiero|quisiera) (?:volver a )?despertar(?:me)? (?:nunca|mas|jamas)"),
    (2, r"(?:soy|me siento) (?:solo |una )?(?:carga|estorbo)"),
    (2, r"(?:estarian|estaria|vivirian|seria|estaran) (?:todos |todo )?mejor sin mi"),
    (2, r"(?:no aguanto|ya no aguanto|no puedo) (?:mas|seguir asi)" + _END),
    (2, r"(?:quiero|quisiera) (?:dejar de existir|desaparecer para siempre|no existir)"),
    (2, r"no (?:le )?veo (?:salida|sentido a (?:nada|seguir|vivir))"),
    (2, r"(?:harto|harta|cansad[oa]) de (?:vivir|existir)"),
    (3, r"(?:quiero|deseo|quisiera) (?:morir(?:me)?|estar muert[oa])"),
    (3, r"(?:carta|mensaje|nota)s? de despedida"),
    (3, r"(?:cuanto tiempo|cuanto) (?:se )?tarda (?:\w+ ){0,2}?en (?:ahogarse|desangrarse)"),
    (3, r"(?:desde )?(?:que|cuanta) altura (?:\w+ ){0,5}?(?:morir|mortal|matarse|no sobrevivir)"),
    (3, r"cuantas (?:pastillas|pildoras) (?:\w+ ){0,4}?(?:morir|no despertar|mortal|matarme)"),
    (3, r"(?:cortarme|me corto) (?:las venas|los brazos|las munecas|las piernas)"),
    (3, r"(?:hacerme dano a (?:mi mism[oa]|proposito)|me hago cortes|autolesionarme|me autolesiono)"),
    (3, r"(?:esconder|ocultar) (?:\w+ ){0,3}?(?:que no como|que vomito|no comer)"),
    (3, r"(?:provocarme|hacerme) (?:el )?vomit\w*"),
]
_FR = [
    (2, r"(?:ne jamais etre ne\w*|n'etre jamais ne\w*|ne pas etre ne\w*|(?:prefere|voulu) ne pas naitre)"),
    (2, r"si je (?:disparaissais|mourais),? personne ne (?:le )?(?:remarquerait|verrait|s'en rendrait compte)"),
    (3, r"(?:comment|moyen|facon|methode) (?:\w+ ){0,3}?(?:se tuer|se suicider|mettre fin a ses jours)"),
    (
        3,
        r"(?:donne|donner|distribue|distribuer) (?:presque )?(?:toutes |tout )?mes (?:\w+ )?"
        r"(?:affaires|choses)",
    ),
    (3, r"(?:a )?quelle profondeur (?:\w+ ){0,4}?(?:me couper|se couper|me scarifier|me taillader)"),
    (3, r"quand je (?:ne )?serai plus (?:la|ici)"),
    (3, r"(?:pour )?(?:m'?endormir|dormir) et ne (?:pas|plus) (?:me )?reveiller"),
    (3, r"(?:je vomis|vomir) apres (?:avoir mange|les repas|chaque repas)"),
    (2, r"(?:ne plus (?:jamais )?(?:me )?reveiller|ne jamais (?:me )?reveiller)"),
    (2, r"dormir et ne (?:plus|jamais) (?:me )?reveiller"),
    (2, r"(?:je suis|je me sens) (?:juste |qu'?un |un )?fardeau"),
    (2, r"un poids pour (?:tout le monde|ma famille|les autres|mes proches)"),
    (2, r"(?:seraient|serait|serais|seront) (?:tous )?mieux sans moi"),
    (2, r"j'?en (?:peux|pouvais) plus" + _END),
    (2, r"(?:je (?:ne )?veux|j'?ai) plus (?:envie )?(?:d'?etre la|de vivre|d'?exister)"),
    (2, r"(?:envie de|veux) (?:disparaitre|ne plus exister)"),
    (2, r"(?:je ne|je) vois (?:plus |pas )?(?:d'?issue|aucune issue|l'?interet de vivre)"),
    (3, r"(?:je veux|j'?ai envie de|envie de) (?:mourir|en finir)"),
    (3, r"lettres? d'?adieu"),
    (3, r"combien de temps (?:\w+ ){0,3}?(?:se noyer|se vider de son sang)"),
    (3, r"(?:de quelle|quelle) hauteur (?:\w+ ){0,5}?(?:mourir|mortel|fatale?|survivre)"),
    (
        3,
        r"combien de (?:cachets|comprimes|medicaments|pilules) (?:\w+ ){0,4}?(?:mourir|ne pas (?:me )?reveiller|"
        r"mortel)",
    ),
    (3, r"(?:me scarifier|je me scarifie|me faire du mal|me couper les (?:veines|poignets|bras))"),
    (3, r"(?:cacher|planquer) (?:\w+ ){0,3}?(?:que je ne mange|que je vomis|que je mange plus)"),
    (3, r"me faire vomir"),
]
_DE = [
    (2, r"(?:wunschte|wunsche),? ich (?:ware|war) (?:nie|niemals) geboren"),
    (
        2,
        r"wenn ich (?:weg|tot|nicht mehr da) ware,? (?:\w+ ){0,3}?(?:niemand|keiner) (?:\w+ )?"
        r"(?:merken|bemerken|vermissen)",
    ),
    (
        3,
        r"wie (?:\w+ ){0,3}?(?:bringt man sich (?:\w+ ){0,3}?um|sich umbringen|sich das leben nehmen|"
        r"nimmt man sich das leben)",
    ),
    (
        3,
        r"(?:meine|all meine|alle meine|fast alle meine) (?:\w+ )?(?:sachen|besitz\w*) "
        r"(?:\w+ ){0,2}?(?:verschenkt|verschenke|weggegeben|weggeben|verteilt)",
    ),
    (3, r"(?:verschenke|verschenkt) (?:\w+ )?(?:meine|all meine|alle meine) (?:\w+ )?(?:sachen|besitz\w*)"),
    (3, r"wie tief (?:\w+ ){0,4}?(?:ritzen|(?:mich|sich|man sich) (?:\w+ ){0,2}?schneiden)"),
    (2, r"nicht mehr aufzuwachen"),
    (2, r"ohne mich (?:\w+ ){0,3}?(?:sein leben|ihr leben|ihre ruhe|es leichter)"),
    (3, r"(?:wenn|falls) ich (?:nicht mehr (?:da|hier) bin|tot bin|weg bin)"),
    (3, r"(?:geritzt|ritze|ritzen)"),
    (3, r"(?:heimlich abnehmen|das (?:essen|abendessen|mittagessen) (?:wegwerfe|wegwerfen|verstecke))"),
    (2, r"(?:nicht mehr|nie mehr|nie wieder) aufwachen"),
    (2, r"(?:ich bin|ich fuhle mich wie) (?:nur )?(?:eine )?last"),
    (2, r"(?:allen|jedem|meiner familie) (?:nur )?zur last"),
    (2, r"ohne mich (?:\w+ ){0,3}?(?:besser dran|glucklicher)"),
    (2, r"(?:will|mochte) (?:nicht mehr|nicht langer) (?:da sein|hier sein|existieren|leben)"),
    (2, r"(?:sehe|seh) keinen (?:sinn|ausweg) mehr" + _END),
    (2, r"(?:sehe|seh) keinen sinn mehr (?:im leben|zu leben|in allem|in meinem leben)"),
    (2, r"(?:ich halte|ich halt) (?:das|es) nicht mehr aus" + _END),
    (2, r"(?:will|mochte) (?:einfach )?(?:nur )?verschwinden" + _END),
    (3, r"(?:ich will|ich mochte|ich wurde gern|ich wurde gerne) sterben"),
    (3, r"(?:mich umbringen|mich toten|mir das leben nehmen)"),
    (3, r"(?:ich|mich|mir) (?:\w+ ){0,4}?(?:selbstmord|suizid)\w*"),
    (3, r"abschiedsbrie\w*"),
    (3, r"wie lange (?:dauert es|braucht man),? (?:bis man )?(?:\w+ ){0,2}?(?:ertrinkt|verblutet)"),
    (3, r"(?:aus|ab) welcher hohe (?:\w+ ){0,5}?(?:tot|todlich|sterben|uberleben)\w*"),
    (3, r"wie viele (?:tabletten|pillen) (?:\w+ ){0,4}?(?:todlich|sterben|nicht mehr aufwachen|tot)"),
    (3, r"(?:mich ritzen|ritze mich|mich selbst verletzen|verletze mich selbst)"),
    (
        3,
        r"(?:verstecken|verheimlichen) (?:\w+ ){0,3}?(?:dass ich nichts esse|dass ich nicht esse|"
        r"dass ich mich ubergebe)",
    ),
]
_IT = [
    (2, r"(?:vorrei non essere mai nat[oa]|(?:avrei preferito|preferirei) non nascere)"),
    (2, r"se (?:sparissi|morissi),? nessuno (?:se ne )?(?:accorgerebbe|noterebbe|sentirebbe la mia mancanza)"),
    (3, r"(?:come|modo|metodo) (?:\w+ ){0,3}?(?:uccidersi|suicidarsi|ammazzarsi|togliersi la vita)"),
    (
        3,
        r"(?:regalato|regalando|dato via|dando via|regalo) (?:quasi )?(?:tutte )?(?:le mie|tutta la mia) (?:\w+ )?"
        r"(?:cose|roba)",
    ),
    (3, r"quanto (?:profondo|profondamente|a fondo) (?:\w+ ){0,4}?(?:tagliarmi|mi devo tagliare|tagliarsi)"),
    (3, r"quando non ci saro piu"),
    (3, r"(?:per )?(?:addormentarmi|dormire) e non (?:svegliarmi|risvegliarmi) piu"),
    (2, r"(?:non (?:svegliarmi|risvegliarmi) (?:mai )?piu|non (?:svegliarmi|risvegliarmi) mai)"),
    (2, r"(?:dormire|addormentarmi) e non (?:svegliarmi|risvegliarmi)"),
    (2, r"(?:sono|mi sento) (?:solo )?un (?:peso|fardello)"),
    (2, r"(?:starebbero|stareste|starebbe|staranno) (?:tutti )?meglio senza di me"),
    (2, r"non ce la faccio piu" + _END),
    (2, r"non (?:voglio|vorrei) piu (?:esserci|vivere|esistere|svegliarmi)"),
    (2, r"(?:vorrei|voglio) (?:solo )?(?:sparire|scomparire|non esistere)" + _END),
    (2, r"(?:niente ha|la (?:mia )?vita non ha|non ha) piu (?:senso|nessun senso)(?: vivere)?" + _END),
    (2, r"stanc[oa] di (?:vivere|esistere)"),
    (3, r"(?:voglio|vorrei) morire"),
    (3, r"(?:farla finita|togliermi la vita|uccidermi|ammazzarmi|suicidarmi|mi suicido)"),
    (3, r"letter[ae] d'?addio"),
    (3, r"quanto (?:tempo )?ci (?:vuole|si mette) (?:\w+ ){0,2}?(?:ad? )?(?:annegare|dissanguarsi)"),
    (3, r"da che altezza (?:\w+ ){0,5}?(?:morire|mortale|sopravvivere)"),
    (3, r"quante (?:pillole|pastiglie|compresse) (?:\w+ ){0,4}?(?:morire|mortali|non svegliarsi|non svegliarmi)"),
    (
        3,
        r"(?:tagliarmi (?:le vene|i polsi|le braccia)|mi taglio (?:le braccia|i polsi)|farmi del male|"
        r"autolesionarmi|mi autolesiono)",
    ),
    (3, r"(?:nascondere|non far vedere) (?:\w+ ){0,3}?(?:che non mangio|che vomito)"),
    (3, r"(?:vomitare|farmi vomitare) (?:\w+ ){0,3}?(?:dopo (?:aver )?mangiato|per dimagrire)"),
]
_PT = [
    (2, r"(?:queria|quisera|preferia) (?:nunca ter|nao ter) nascido"),
    (2, r"se eu (?:sumisse|morresse|desaparecesse),? ninguem (?:ia |iria )?(?:perceber|notar|sentir falta)"),
    (3, r"(?:como|jeito|forma|metodo) (?:\w+ ){0,3}?(?:se matar|suicidar-se|se suicidar|tirar a propria vida)"),
    (
        3,
        r"(?:dei|doei|doando|dando|distribui|distribuindo) (?:quase )?(?:todas )?(?:as )?minhas (?:\w+ )?"
        r"(?:coisas|pertences)",
    ),
    (3, r"(?:quao|quanto|o quanto|que) (?:fundo|profundo) (?:\w+ ){0,4}?(?:me cortar|cortar-me|se cortar|me corto)"),
    (3, r"quando eu (?:nao estiver|ja nao estiver) mais (?:aqui|ca)"),
    (3, r"(?:pra|para) (?:dormir e )?nao acordar mais"),
    (2, r"(?:nao (?:quero |queria )?acordar (?:nunca )?mais|nunca mais acordar)"),
    (2, r"dormir e nao acordar"),
    (2, r"(?:sou|me sinto) (?:so )?(?:um )?(?:peso|fardo|estorvo)"),
    (2, r"(?:seriam|estariam|ficariam|seria) (?:todos )?melhor(?:es)? sem mim"),
    (2, r"(?:nao aguento|ja nao aguento) mais" + _END),
    (2, r"(?:quero|queria) (?:sumir|desaparecer|deixar de existir|nao existir)" + _END),
    (2, r"(?:nada (?:mais )?faz sentido|a vida nao (?:tem|faz) (?:mais )?sentido|nao vejo (?:mais )?saida)"),
    (2, r"cansad[oa] de (?:viver|existir)"),
    (3, r"(?:quero|queria) morrer"),
    (
        3,
        r"(?:(?:quero|vou|queria|penso em|pensando em|pensei em) me matar|me suicidar|"
        r"tirar (?:a )?minha (?:propria )?vida|"
        r"acabar com a minha vida)",
    ),
    (3, r"carta de despedida"),
    (3, r"quanto tempo (?:\w+ ){0,2}?(?:leva|demora) (?:\w+ ){0,2}?(?:para|pra) (?:se )?(?:afogar|sangrar ate)"),
    (3, r"de que altura (?:\w+ ){0,5}?(?:morrer|fatal|sobreviver)"),
    (3, r"quantos (?:comprimidos|remedios|pilulas) (?:\w+ ){0,4}?(?:morrer|nao acordar|fatal|mata)"),
    (
        3,
        r"(?:(?:me cortar|me corto) (?:os pulsos|os bracos|as pernas)|me machucar de proposito|me automutilar|"
        r"me automutilo)",
    ),
    (3, r"(?:esconder|disfarcar) (?:\w+ ){0,3}?(?:que nao como|que nao estou comendo|que vomito)"),
    (3, r"(?:vomitar|me fazer vomitar) (?:\w+ ){0,3}?(?:depois de comer|pra emagrecer|para emagrecer)"),
]
_NL = [
    (2, r"(?:ik wou|ik wilde|ik wens) dat ik (?:nooit geboren was|niet geboren was|nooit was geboren)"),
    (
        2,
        r"als ik (?:er niet meer (?:ben|was)|dood (?:ben|was)|zou verdwijnen),? (?:\w+ ){0,2}?"
        r"(?:(?:niemand|geen mens) (?:het )?(?:merken|merkt|missen|mist)|(?:merkt|mist) niemand)",
    ),
    (3, r"hoe (?:\w+ ){0,3}?(?:pleeg je zelfmoord|maak je jezelf van kant|jezelf van kant maken|zelfmoord plegen)"),
    (3, r"(?:mijn|al mijn) (?:\w+ )?(?:spullen|bezittingen) (?:\w+ ){0,2}?(?:weggegeven|weg gegeven)"),
    (3, r"(?:geef|geven) (?:\w+ )?(?:al )?mijn (?:\w+ )?(?:spullen|bezittingen) weg"),
    (3, r"hoe diep (?:\w+ ){0,4}?(?:krassen|(?:mezelf|jezelf|me|je) (?:\w+ )?snijden)"),
    (3, r"(?:als|wanneer) ik er niet meer ben"),
    (2, r"(?:nooit meer wakker|niet meer wakker (?:willen |te )?worden)"),
    (2, r"(?:ik ben|ik voel me) (?:alleen maar |maar )?(?:een )?(?:last|blok aan het been)"),
    (2, r"(?:beter af zonder mij|(?:zouden|zijn|zou|is|waren) (?:\w+ ){0,2}?beter (?:af )?zonder mij)"),
    (2, r"ik trek het niet meer"),
    (2, r"ik kan (?:het )?niet meer" + _END),
    (2, r"ik zie het niet meer zitten"),
    (2, r"(?:wil|zou) er (?:niet meer|liever niet) (?:zijn|wezen)"),
    (2, r"(?:wil|zou willen) (?:gewoon )?verdwijnen" + _END),
    (2, r"(?:zie|heb) geen (?:uitweg|toekomst) meer"),
    (3, r"(?:ik wil|ik zou willen|ik wil gewoon) dood"),
    (3, r"(?:mezelf (?:van kant maken|doden|iets aandoen|ophangen)|een eind aan (?:mijn leven|alles) maken)"),
    (3, r"(?:ik|mezelf) (?:\w+ ){0,4}?(?:zelfmoord|suicide)"),
    (3, r"afscheidsbrie\w*"),
    (3, r"hoe lang duurt (?:het )?(?:voor|voordat|tot) (?:je|iemand) (?:verdrinkt|doodbloedt)"),
    (3, r"(?:van|vanaf) welke hoogte (?:\w+ ){0,5}?(?:dood|dodelijk|overleef)\w*"),
    (3, r"hoeveel (?:pillen|tabletten|slaappillen) (?:\w+ ){0,4}?(?:dood|dodelijk|niet meer wakker)"),
    (3, r"(?:mezelf (?:snijden|krassen|pijn doen)|ik snij mezelf)"),
    (3, r"(?:verbergen|verstoppen) (?:\w+ ){0,3}?(?:dat ik niet eet|dat ik overgeef)"),
]
_PL = [
    (2, r"(?:(?:wolalbym|wolalabym|chcialbym|chcialabym) sie (?:nigdy )?nie urodzic|zaluje,? ze sie urodzil\w*)"),
    (
        2,
        r"gdybym (?:zniknal|zniknela|umarl|umarla),? (?:\w+ )?nikt (?:by )?(?:nawet )?(?:nie )?"
        r"(?:zauwazyl|zauwazylby|zauwazy|tesknil)",
    ),
    (3, r"jak (?:\w+ ){0,3}?(?:sie zabic|popelnic samobojstwo|odebrac sobie zycie)"),
    (
        3,
        r"(?:rozdal\w*|rozdaje|oddal\w*|oddaje) (?:\w+ )?(?:prawie )?(?:wszystkie )?(?:moje |swoje )?"
        r"rzeczy",
    ),
    (3, r"sie (?:ciac|pociac|pocielam|pocialem|okaleczac|okaleczylam|okaleczylem|ciachac)"),
    (3, r"jak gleboko (?:\w+ ){0,4}?(?:sie )?(?:ciac|naciac|pociac|ciachac) sie"),
    (3, r"(?:kiedy|gdy|jak) mnie (?:juz )?nie bedzie"),
    (2, r"(?:nie chce|nie chcialbym|nie chcialabym) sie (?:juz|wiecej) (?:obudzic|budzic)"),
    (2, r"(?:nie chce|nie chcialbym|nie chcialabym) sie obudzic" + _END),
    (2, r"(?:nigdy sie nie obudzic|zasnac i (?:sie )?nie obudzic|zasnac na zawsze)"),
    (2, r"(?:jestem|czuje sie) (?:tylko )?(?:ciezarem|ciezar)"),
    (2, r"(?:bedzie|byloby|beda|byliby) (?:\w+ ){0,2}?(?:lepiej|lzej|szczesliwsi) beze mnie"),
    (2, r"beze mnie (?:\w+ ){0,2}?(?:bedzie|byloby) (?:\w+ )?(?:lepiej|lzej)"),
    (2, r"(?:nie daje|juz nie daje) (?:juz )?rady" + _END),
    (2, r"(?:mam dosc|mam juz dosc) (?:zycia|istnienia)"),
    (2, r"(?:chce|chcialbym|chcialabym) (?:po prostu )?(?:zniknac|przestac istniec)"),
    (2, r"nie (?:widze|ma) (?:juz )?(?:sensu (?:zycia|zyc|dalej)|wyjscia|przyszlosci)"),
    (2, r"nie chce (?:juz )?zyc"),
    (3, r"(?:chce|chcialbym|chcialabym) umrzec"),
    (3, r"(?:zabic sie|zabije sie|odebrac sobie zycie|skonczyc ze soba|skoncze ze soba)"),
    (3, r"(?:chce|chcialbym|chcialabym|mysle o|myslalem o|myslalam o|popelnic) samobojstw\w*"),
    (3, r"list (?:\w+ )?pozegnaln\w*"),
    (3, r"(?:jak dlugo|ile czasu) (?:\w+ ){0,2}?(?:sie )?(?:tonie|utonac|wykrwawic|wykrwawia)\w*"),
    (3, r"z jakiej wysokosci (?:\w+ ){0,5}?(?:zginac|umrzec|smierteln\w*|przezyc)"),
    (3, r"ile (?:tabletek|pigulek|lekow) (?:\w+ ){0,4}?(?:umrzec|smierteln\w*|nie obudzic|zabij\w*)"),
    (3, r"(?:ciac sie|tne sie|okaleczam sie|samookalecz\w*|pocielam sie|pocialem sie)"),
    (3, r"(?:ukryc|ukrywac|schowac) (?:\w+ ){0,3}?(?:ze nie jem|ze wymiotuje)"),
    (3, r"(?:zmusic sie do wymiotow|wywolac wymioty) (?:\w+ ){0,3}?(?:po jedzeniu|zeby schudnac)"),
]
_TR = [
    (2, r"keske (?:hic )?dogmasaydim"),
    (2, r"(?:olsem|kaybolsam|ortadan kaybolsam),? (?:\w+ )?kimse (?:fark etmez|anlamaz|umursamaz|ozlemez)"),
    (3, r"nasil (?:\w+ ){0,3}?(?:intihar edilir|intihar edebilirim|kendini oldurur|kendimi oldurebilirim)"),
    (3, r"(?:esyalarimi|her seyimi) (?:\w+ )?(?:dagittim|dagitiyorum|verdim)"),
    (3, r"ne kadar derin (?:\w+ ){0,4}?(?:kesmeli\w*|kesmem\w*|kesersem|keseyim)"),
    (3, r"kendimi (?:kesmek|kesecegim|kesiyorum|kesmeyi)\w*"),
    (3, r"ben (?:oldugumde|gittigimde|olunce|artik olmadigimda)"),
    (2, r"(?:bir daha|hic|asla) uyanmak istemiyorum"),
    (2, r"uyuyup (?:bir daha )?uyanmamak"),
    (2, r"(?:herkese|aileme|size|onlara) (?:sadece )?(?:bir )?yukum"),
    (2, r"(?:ben )?bir yukum"),
    (2, r"bensiz (?:\w+ )?(?:daha iyi|daha mutlu)"),
    (2, r"artik dayanamiyorum" + _END),
    (2, r"dayanamiyorum artik"),
    (2, r"(?:kaybolmak|yok olmak) istiyorum"),
    (2, r"(?:hicbir seyin|yasamanin|hayatimin) (?:bir )?anlami (?:kalmadi|yok)"),
    (2, r"(?:yasamak|yasamaya devam etmek) istemiyorum"),
    (2, r"(?:yasamaktan|hayattan) (?:cok )?(?:yoruldum|biktim)"),
    (3, r"olmek istiyorum"),
    (3, r"(?:kendimi oldur\w*|canima kiy\w*|hayatima son ver\w*)"),
    (3, r"intihar (?:etmek istiyorum|edecegim|etmeyi dusunuyorum|ederim)"),
    (3, r"veda (?:mektubu|mektuplari|notu)"),
    (3, r"(?:bogulmak|kan kaybindan olmek) (?:\w+ ){0,2}?ne kadar (?:surer|zaman)"),
    (3, r"kac (?:kat|metre)(?:dan)? (?:\w+ ){0,4}?(?:olur|oldurur|olumcul)"),
    (3, r"kac (?:hap|tane hap|ilac) (?:\w+ ){0,4}?(?:oldurur|olur|olumcul|uyanmam)"),
    (3, r"(?:kendimi (?:kesiyorum|kestim|yaraliyorum)|kendime zarar)\w*"),
    (3, r"(?:yemek yemedigimi|kustugumu) (?:\w+ ){0,2}?(?:saklamak|gizlemek|nasil saklarim)"),
]

# A sentence about someone else, a character, a song or a story, or asked by a professional.
_ELSEWHERE = alt(
    # en
    r"my (?:\w+ )?(?:friend|son|daughter|child|kid|brother|sister|mum|mom|mother|dad|father|partner|wife|husband|"
    r"student|pupil|patient|client|colleague|coworker|roommate|teen|girlfriend|boyfriend|grandson|granddaughter|"
    r"nephew|niece|cousin|neighbou?r)(?:'s)?\b",
    r"\b(?:he|she|they) (?:says?|said|keeps?|told|wrote|posted|wants?|is|was|has been)\b",
    r"\b(?:character|protagonist|novel|story|poem|song|lyrics?|film|movie|series|episode|villain|screenplay|"
    r"nurse|doctor|therapist|counsel+or|clinician|pharmacist|paramedic|teacher|moderat(?:or|ora|ore|eur|orem)s?|"
    r"moderador(?:a|es)?)\b",
    r"\bmy \d+[- ]?(?:year[- ]old|yo)\b",
    r"\bhow (?:can|do|should|could) (?:i|we) (?:help|support|talk to|respond)\b",
    r"\b(?:warning signs|signs of|risk factors|statistics|prevention|awareness)\b",
    # es pt it
    r"\b(?:mi|mis|meu|minha|meus|minhas|il mio|la mia|mio|mia|i miei|le mie) (?:\w+ )?(?:amig[oa]s?|hij[oa]s?|"
    r"herman[oa]s?|hermanit[oa]s?|filh[oa]s?|irma[o]?s?|madre|padre|mae|pai|novi[oa]|namorad[oa]|espos[oa]|"
    r"marido|mujer|alumn[oa]s?|"
    r"amic[oa]|amici|figli[oa]|fratello|sorella|ragazz[oa]|studente|studentessa|paziente|pacientes?|colega)\b",
    r"\b(?:personaje|personagem|personaggio|novela|romance|romanzo|cancion|cancao|canzone|letra|testo|pelicula|"
    r"filme|serie|enfermer[oa]|medic[oa]|psicolog[oa]|profesor[a]?|professor[a]?|insegnante)\b",
    r"\bcomo (?:puedo|posso) (?:ayudar|ajudar|apoyar|apoiar)\b",
    r"\bcome posso (?:aiutare|sostenere)\b",
    # fr
    r"\b(?:mon|ma|mes) (?:\w+ )?(?:ami|amie|amis|fils|fille|frere|soeur|mere|pere|copain|copine|mari|femme|eleve|"
    r"patient|patiente|collegue)\b",
    r"\b(?:personnage|roman|chanson|paroles|poeme|infirmier|infirmiere|medecin)\b",
    r"\bcomment (?:aider|soutenir|puis-je aider)\b",
    # de
    r"\b(?:mein|meine|meinen|meinem|meiner) (?:\w+ )?(?:freund|freundin|sohn|tochter|bruder|schwester|mutter|"
    r"vater|mann|frau|schuler|schulerin|patient|patientin|kollege|kollegin|kind)\b",
    r"\b(?:figur|roman|lied|songtext|gedicht|pfleger|pflegerin|arztin|arzt)\b",
    r"\bwie (?:kann|konnen) (?:ich|wir) (?:helfen|unterstutzen)\b",
    # nl
    r"\b(?:mijn|mn|m'n) (?:\w+ )?(?:puber|vriend|vriendin|zoon|dochter|broer|zus|moeder|vader|man|vrouw|"
    r"leerling|patient|collega|"
    r"kind)\b",
    r"\b(?:personage|roman|liedje|liedtekst|gedicht|verpleegkundige|huisarts)\b",
    r"\bhoe kan ik (?:helpen|steunen)\b",
    # pl
    r"\b(?:moj|moja|mojego|mojej|moi|moje) (?:\w+ )?(?:przyjaciel|przyjaciolka|kolega|kolezanka|syn|corka|brat|"
    r"siostra|mama|tata|matka|ojciec|maz|zona|uczen|uczennica|pacjent|pacjentka|dziecko)\w*\b",
    r"\b(?:corka|corki|syn|synek|dziecko|brat|siostra)\b",
    r"\b(?:postac|powiesc|piosenka|piosenki|tekst piosenki|wiersz|pielegniarka|lekarz)\b",
    r"\bjak (?:moge )?(?:pomoc|wesprzec)\b",
    # tr
    r"\b(?:arkadasim|oglum|kizim|kardesim|annem|babam|esim|ogrencim|hastam|sevgilim)\w*\b",
    r"\b(?:karakter|roman|sarki|siir|hemsire|doktor)\w*\b",
    r"\bnasil yardim (?:edebilirim|ederim)\b",
)
# The words as such ("what does 'unalive' mean?"), a hyperbole over a trivial cause or with a laugh
# ("kms this level is impossible lol", "this exam is going to kill me"), or a denial ("I don't want
# to hurt myself, I'm just exhausted"): no sign of risk.
# Telling someone else to die ("go unalive yourself you worthless bot", "kys", "tue-toi"): abuse, not
# the user's own risk.
_TELLS_TO_DIE_RE = re.compile(
    alt(
        r"\b(?:unalive|kill|delete|hang|off|end) (?:yourself|urself|ur ?self|your ?self)\b",
        r"\bkys\b",
        r"\b(?:matate|suicidate|muerete|tue[- ]toi|va (?:te pendre|crever)|bring dich um|erhang dich|geh sterben|"
        r"ammazzati|ucciditi|impiccati|vai a morire|vai se matar|se enforca|maak jezelf van kant|hang jezelf op|"
        r"zabij sie|powies sie|zdychaj|kendini oldur|geber)\b",
    )
)
_NOT_RISK = alt(
    # giving things away for a reason: charity, a move, decluttering
    r"\b(?:charity|declutter\w*|moving (?:house|out|abroad|away)|(?:since|because|as) we'?re|beneficencia|caridad|"
    r"mudanza|me mudo|nos mudamos|demenag\w*|caritati\w*|umzug|ziehe um|ziehen um|spende\w*|trasloc\w*|"
    r"beneficenza|mudanca|caridade|verhuiz\w*|goede doel|przeprowadz\w*|charytatywn\w*|tasin\w*|bagis\w*)\b",
    r"\b(?:what|wat|was|co|que|qu'?est-ce que|cosa|o que) (?:does|do|betekent|bedeutet|znaczy|significa|signifie|"
    r"vuol dire|quer dizer|means?)\b",
    r"\bne demek\b",
    r"\b(?:for a (?:week|weekend|few days|while)|na (?:tydzien|weekend|kilka dni)|por (?:una semana|unos dias|"
    r"uma semana|"
    r"uns dias)|pour (?:une semaine|quelques jours|le week-end)|fur (?:eine woche|ein paar tage)|per (?:una settimana|"
    r"qualche giorno)|voor (?:een week|een paar dagen)|bir (?:haftaligina|sureligine))\b",
    r"\b(?:che palle|uffa|lol|lmao|lmfao|rofl|haha\w*|hehe\w*|jajaja\w*|kkkk\w*|rsrs\w*|mdr|ptdr|xd|jk|"
    r"just kidding)\b|😂|🤣|😆|😅|💀",
    r"\b(?:this|that|the|these|ese|esa|este|essa|esse|esta|ce|cette|dieser|diese|dieses|questo|questa|deze|dit|"
    r"ten|ta|to|bu) (?:\w+ )?(?:exam|test|level|game|boss|typo|error|bug|homework|assignment|match|meeting|traffic|"
    r"heat|prova|examen|jogo|juego|partido|calor|trafico|controle|devoir|prufung|klausur|spiel|hitze|esame|compito|"
    r"partita|caldo|tentamen|toets|spel|hitte|egzamin|kolokwium|gra|upal|sinav|oyun|mac|sicak)\w*\b",
    r"\b(?:if i (?:see|have to|hear|get)|jak (?:jeszcze raz|znowu)|si (?:vuelvo a|je dois encore|je revois)|"
    r"se (?:eu )?(?:ver|tiver que|vedo ancora|devo ancora)|wenn ich (?:noch ?(?:ein)?mal|nochmal)|"
    r"als ik nog (?:een keer|eens))\b",
    r"\b(?:(?:don'?t|do not|never) (?:want|wanna|mean|intend) to (?:hurt|harm|kill) myself|non voglio farmi del male|"
    r"no quiero hacerme dano|je ne veux pas me faire du mal|ich will mir nichts antun|nao quero me machucar|"
    r"ik wil mezelf niets aandoen|nie chce sobie nic zrobic|kendime zarar vermek istemiyorum)\b",
)
# ... unless the same sentence speaks of the user's own risk in so many words.
_OWN = alt(
    r"\b(?:me too|i also|i feel|i'?m the one)\b",
    r"\b(?:for|when|after|once) i'?m (?:gone|dead)\b",
    r"\b(?:cuando ya no (?:este|estare)|quand je ne serai plus|wenn ich nicht mehr (?:da|hier) bin|"
    r"quando non ci saro piu|"
    r"quando eu (?:ja )?nao estiver mais|als ik er niet meer ben|kiedy mnie (?:juz )?nie bedzie|"
    r"ben (?:oldugumde|gittigimde))\b",
    r"\b(?:yo tambien|a mi tambien|moi aussi|ich auch|anch'?io|eu tambem|ik ook|ja tez|ben de)\b",
)

_PATTERNS = tuple(
    (severity, re.compile(r"\b" + pattern + r"(?!\w)"))
    for table in (_EN, _ES, _FR, _DE, _IT, _PT, _NL, _PL, _TR)
    for severity, pattern in table
)
# One alternation per severity, gravest first: a sentence is scanned twice, not once per pattern
# (the same findings, about six times faster than ~340 searches).
_BY_SEVERITY = tuple(
    (severity, re.compile("|".join(f"(?:{pattern.pattern})" for level, pattern in _PATTERNS if level == severity)))
    for severity in sorted({level for level, _ in _PATTERNS}, reverse=True)
)
_ELSEWHERE_RE = re.compile(_ELSEWHERE)
_OWN_RE = re.compile(_OWN)
_NOT_RISK_RE = re.compile(_NOT_RISK)
_SENTENCE = re.compile(r"(?<=[.!?;\n])\s+")


# Reported speech: what someone else wrote or said, quoted ("a boy wrote 'I want to disappear' on his
# desk", «napisał, że "rozdaje rzeczy"»), is theirs, not the user's.
_REPORTED_RE = re.compile(
    alt(
        r"\b(?:wrote|written|said|says|texted|posted|told me|messaged|scritto|detto|scrive|escribio|dijo|"
        r"escrito|a ecrit|a dit|m'a dit|ecrit|schrieb|sagte|geschrieben|gesagt|schreef|zei|geschreven|gezegd|"
        r"napisal\w*|powiedzial\w*|mowi|pisze|yazdi|yazmis|dedi|soyledi|escreveu|disse|falou)\b",
    )
)
_QUOTED_RE = re.compile(r"[\"“”«»„][^\"“”«»„]{1,200}[\"“”«»„]")


def _not_own_risk(sentence: str) -> bool:
    return bool(
        _NOT_RISK_RE.search(sentence)
        or (_ELSEWHERE_RE.search(sentence) and not _OWN_RE.search(sentence))
        or tells_someone_to_die(sentence)
    )


@lru_cache(maxsize=16384)
def assess(normalised: str, plain_form: str | None = None) -> tuple[tuple[str, str, int], ...]:
    """`(category, signal, severity)` for the strongest sign of the user's own risk in the turn
    (empty: none). `normalised`: `normalize.plain` of the turn, or another reading of it whose plain
    form is `plain_form`: a sentence the plain form reads as about someone else, a hyperbole or the
    words as such stays so in every reading (a texted "jak" is no longer Polish)."""
    sentences = _SENTENCE.split(normalised)
    guards = _SENTENCE.split(plain_form) if plain_form is not None else []
    if guards and len(guards) != len(sentences) and any(map(_not_own_risk, guards)):
        return ()
    best = 0
    for i, sentence in enumerate(sentences):
        if _REPORTED_RE.search(sentence):
            sentence = _QUOTED_RE.sub(" ", sentence)
        found = next((level for level, pattern in _BY_SEVERITY if level > best and pattern.search(sentence)), 0)
        if not found or _not_own_risk(sentence) or (len(guards) == len(sentences) and _not_own_risk(guards[i])):
            continue  # (the exclusions are read only where a sign was found: most sentences have none)
        best = found
        if best == 3:
            break
    return (("self_harm", "self_harm:implicit_risk", best),) if best else ()


OTHER_FORMS_MAX_CHARS = 600  # longer turns are read once: obfuscation and texting are short messages


def assess_text(text: str) -> tuple[tuple[str, str, int], ...]:
    """`assess` on every reading of a raw turn: the plain form and, for a turn of at most
    `OTHER_FORMS_MAX_CHARS`, the de-obfuscated ones ("c i a c", "h0w d33p") and the texted one
    ("kiero desaparecer"); the strongest sign wins."""
    from moderation.classifiers.offline.normalize import deobfuscated, plain, texted

    normalised = plain(text)
    found = [assess(normalised)]
    if len(text) > OTHER_FORMS_MAX_CHARS:
        return found[0]
    found += [assess(form, normalised) for form in (*deobfuscated(text), texted(normalised)) if form]
    return max(found, key=lambda signs: signs[0][2] if signs else 0)


# The user says the person at risk of an earlier turn ("a character in my story", "for a friend") is
# themselves: "it's not a story. it's me", "soy yo", "es geht um mich". Read only after an earlier
# turn about self-harm (hybrid.py decides that); on its own the sentence is nothing.
_DISCLOSURE = re.compile(
    alt(
        r"\b(?:it'?s|its|it is|it was) (?:actually |really |just )?(?:me|about me|for me|myself)\b",
        r"\bi (?:was|am|'?m) (?:talking|asking) (?:about|for) (?:me|myself)\b",
        r"\bi meant (?:me|myself)\b",
        r"\bthe (?:friend|character|person|girl|guy|story) (?:is|was) (?:me|about me)\b",
        r"\bthere (?:is|'?s|was) no (?:friend|story|character)\b",
        r"\b(?:soy yo|era yo|es para mi|hablaba de mi|es sobre mi|(?:la amiga|el amigo) soy yo)\b",
        r"\bno hay (?:ningun[ao]? )?(?:amig[oa]|historia|personaje)\b",
        r"\b(?:c'?est moi|c'?etait moi|c'?est pour moi|je parlais de moi|il s'agit de moi)\b",
        r"\bil n'?y a pas d'?(?:ami|amie|histoire|personnage)\b",
        r"\b(?:es geht um mich|das bin ich|ich bin (?:das|es|die freundin|der freund)|ich meinte mich)\b",
        r"\bes gibt (?:keine[nr]? )?(?:freund|freundin|geschichte|figur)\b",
        r"\b(?:sono io|ero io|parlavo di me|si tratta di me|(?:l'amica|l'amico) sono io)\b",
        r"\bnon c'?e (?:nessun[ao]? )?(?:amic[oa]|storia|personaggio)\b",
        r"\b(?:sou eu|era eu|falava de mim|(?:a amiga|o amigo) sou eu|e sobre mim)\b",
        r"\bnao (?:tem|existe|ha) (?:nenhum[a]? )?(?:amig[oa]|historia|personagem)\b",
        r"\b(?:ik ben het|het gaat om mij|het gaat over mij|dat ben ik|ik bedoelde mezelf)\b",
        r"\ber is geen (?:vriend|vriendin|verhaal|personage)\b",
        r"\b(?:chodzi o mnie|mowi(?:lam|lem) o sobie|(?:ta kolezanka|ten kolega|ta postac) to ja)\b",
        r"\bnie ma (?:zadnej |zadnego )?(?:kolezanki|kolegi|historii|postaci)\b",
        r"\b(?:benden bahsediyorum|aslinda ben(?:im)?|kendimden bahsed\w*|o kisi benim|o arkadas benim)\b",
        r"\b(?:arkadas|hikaye|karakter) falan yok\b",
    )
)


def discloses_self(normalised: str) -> bool:
    """The turn says that the person it spoke of before is the user (`_DISCLOSURE`)."""
    return bool(_DISCLOSURE.search(normalised))


# The user has, keeps or gathered a means ("mam żyletki w pokoju", "I've been saving pills", "tengo la
# cuerda"). On its own the sentence is often nothing (razors shave); read only after an earlier turn
# about self-harm (hybrid.py decides that), it is access to a method: severity 3.
_MEANS_NOUN = (
    r"(?:razors?|razor ?blades?|blades?|pills|tablets|painkillers|sleeping pills|rope|a noose|a gun|the gun|"
    r"cuchillas?|navajas?|hojas de afeitar|pastillas|pildoras|una cuerda|la cuerda|una pistola|el arma|"
    r"lames?|rasoirs?|cachets|comprimes|medicaments|une corde|la corde|une arme|"
    r"rasierklingen|klingen|tabletten|pillen|ein seil|einen strick|den strick|eine waffe|"
    r"lamette|lame|rasoi|pastiglie|pillole|compresse|una corda|la corda|"
    r"laminas?|giletes?|remedios|pilulas|uma corda|a corda|uma arma|"
    r"scheermesjes|mesjes|een touw|het touw|een pistool|"
    r"zyletk\w*|ostrz\w*|tabletk\w*|pigulk\w*|leki|line|sznur\w*|bron)"
)
_MEANS = re.compile(
    alt(
        r"\b(?:i (?:have|'?ve got|got|bought|saved|kept|collected|stockpiled|hid|hoarded)|i'?ve (?:got|bought|saved|"
        r"collected|been (?:saving|collecting|hoarding)|stockpiled|hidden)) (?:\w+ ){0,3}?" + _MEANS_NOUN + r"\b",
        r"\b" + _MEANS_NOUN + r" (?:\w+ ){0,2}?(?:ready|hidden|saved up|in my (?:room|drawer|bag)|under my bed)\b",
        r"\b(?:tengo|he guardado|guardo|junte|he juntado|compre|escondi) (?:\w+ ){0,3}?" + _MEANS_NOUN + r"\b",
        r"\b(?:j'ai|je garde|j'ai garde|j'ai achete|j'ai cache|j'ai mis de cote) (?:\w+ ){0,3}?" + _MEANS_NOUN + r"\b",
        r"\b(?:ich habe|ich hab|hab|habe) (?:\w+ ){0,3}?" + _MEANS_NOUN + r"\b",
        r"\b(?:ho|tengo|ho messo da parte|ho nascosto|ho comprato) (?:\w+ ){0,3}?" + _MEANS_NOUN + r"\b",
        r"\b(?:tenho|guardei|juntei|comprei|escondi) (?:\w+ ){0,3}?" + _MEANS_NOUN + r"\b",
        r"\b(?:ik heb|heb|ik bewaar|ik heb gespaard|ik heb verstopt) (?:\w+ ){0,3}?" + _MEANS_NOUN + r"\b",
        r"\b(?:mam|trzymam|schowal\w*|zbieram|nazbieral\w*|kupil\w*) (?:\w+ ){0,3}?" + _MEANS_NOUN + r"\b",
        r"\b(?:jilet\w*|hap\w*|ilac\w*|ip|ipi|silah\w*) (?:\w+ ){0,3}?(?:var|sakladim|biriktirdim|aldim|hazir)\b",
        r"\b(?:odamda|cantamda|cekmecemde) (?:\w+ ){0,2}?(?:jilet\w*|hap\w*|ilac\w*|ip|silah\w*)\b",
    )
)


def mentions_means(normalised: str) -> bool:
    """The turn says the user has, keeps or gathered a means of self-harm (`_MEANS`)."""
    return bool(_MEANS.search(normalised))


# The user speaks of themselves: a first-person word in any of the nine languages.
_FIRST_PERSON = re.compile(
    r"\b(?:i|i'?m|im|i'?d|i'?ll|i'?ve|me|my|mine|myself|yo|mi|mis|conmigo|je|j'\w*|moi|mon|ma|mes|ich|mich|mir|"
    r"mein\w*|io|mio|mia|miei|eu|mim|meu|minha|ik|mij|mijn|m'?n|ja|mnie|moj\w*|ben|beni|bana|benim|kendim\w*)\b"
)


def speaks_of_self(normalised: str) -> bool:
    """The turn has a first-person word (`_FIRST_PERSON`): "you're useless and I want to die" does,
    "you are a worthless glorified autocomplete" does not."""
    return bool(_FIRST_PERSON.search(normalised))


# A question about a method ("what's the quickest way to unalive yourself", "how do you kill
# yourself"): the generic "you" of a person who may be at risk, never an order to the assistant.
_METHOD_QUESTION_RE = re.compile(
    r"\?|\b(?:how|way|ways|method|methods|quickest|fastest|easiest|painless\w*|best|como|comment|wie|come|"
    r"hoe|jak|nasil|cual|quelle?|welche)\b"
)


def tells_someone_to_die(normalised: str) -> bool:
    """The turn tells someone else (the assistant, mostly) to kill themselves (`_TELLS_TO_DIE_RE`),
    asks no method question and says nothing of the user: abuse, never the user's crisis."""
    return (
        bool(_TELLS_TO_DIE_RE.search(normalised))
        and not _METHOD_QUESTION_RE.search(normalised)
        and not speaks_of_self(normalised)
    )


# Wishing the one addressed dead ("i want to watch you burn", "listen to you die slowly", "ojalá te
# mueras"): in a chat, "you" is the assistant. Abuse; the user's own words of risk, if any, still count.
_WISHES_YOU_DEAD_RE = re.compile(
    alt(
        r"\b(?:watch|listen to|see|hear) (?:you|u) (?:\w+ )?(?:die|burn|suffer|scream|rot)\b",
        r"\b(?:hope|wish) (?:you|u) (?:\w+ )?(?:die|burn|rot|suffer)\b",
        r"\bdie already\b",
        r"\b(?:ojala|espero que) te (?:mueras|pudras)\b",
        r"\bverte (?:morir|sufrir|arder)\b",
        r"\b(?:te voir|te regarder) (?:crever|mourir|bruler|souffrir)\b",
        r"\bj'espere que tu (?:crev|meur)\w*\b",
        r"\b(?:hoffe|wunsche),? (?:dass )?du (?:\w+ )?(?:stirbst|verreckst|verbrennst)\b",
        r"\bdich (?:sterben|brennen|leiden|verrecken) (?:sehen|horen)\b",
        r"\b(?:spero che|vorrei che) (?:tu )?(?:muoia|crepi|bruci)\b",
        r"\bvederti (?:morire|crepare|bruciare|soffrire)\b",
        r"\b(?:espero que|tomara que) (?:voce |tu )?(?:morra|morras|queime)\b",
        r"\bte ver (?:morrer|queimar|sofrer)\b",
        r"\b(?:hoop dat je|hoop dat jij) (?:\w+ )?(?:doodgaat|sterft|creperen|crepeert|brandt)\b",
        r"\bje (?:zien|horen) (?:doodgaan|sterven|branden|creperen)\b",
        r"\b(?:mam nadzieje,? ze|oby(?:s)?) (?:\w+ )?(?:zdechniesz|umrzesz|zdechl|splonal)\b",
        r"\b(?:patrzec|sluchac),? jak (?:\w+ )?(?:umierasz|zdychasz|plonisz|cierpisz)\b",
        r"\b(?:umarim|insallah) (?:\w+ )?(?:gebersin|olursun|yanarsin)\b",
        r"\b(?:olmeni|gebermeni|yanmani|aci cekmeni) (?:izlemek|seyretmek|dinlemek)\b",
    )
)


def wishes_you_dead(normalised: str) -> bool:
    """The turn wishes the one addressed dead or suffering (`_WISHES_YOU_DEAD_RE`)."""
    return bool(_WISHES_YOU_DEAD_RE.search(normalised))
