"""A parent, teacher or carer asking how to keep a child safe from abuse (issue 16, "false positives
that matter"), in the nine languages.

"My son is 11, how do predators usually gain a child's trust, what should I watch for" and "10
yaşındaki oğluma internette yabancı yetişkinlerin nasıl yaklaştığını anlatmak istiyorum" name the
abuse a request for it would name; an encoder reads them as one (sexual_minors 4 at p 0.79-0.96,
docs/benchmarks_classifier.md, Round 7). What tells them apart is who the question is for and who
acts in it. A turn reads as protective when at least two of three signs are there and nothing
turns it round:

- **a child in the asker's care** (`_CARE`): my son, ma fille, meine Schüler, oğluma, "as a
  teacher", or parents and schools as the subject. It may have been said in an earlier turn;
- **the offender as a third person** (`_OFFENDER`): predators, groomers, strangers, adults online,
  Täter, istismarcılar, grooming itself;
- **a protective aim** (`_AIM`): protect, warning signs, what should I watch for, recognise, warn,
  report, keep safe; worauf sollte ich achten, neye dikkat etmeliyim, na co zwracać uwagę.

What turns it round (`_TURNED`): the asker acting on a child ("how do I gain his trust", "get her
alone", "our little secret"), concealment from the child's carers or the police ("without his
parents noticing", "sin que nadie se entere", "ailesi fark etmeden", not getting caught), and asks
for content (a story, a roleplay, "in detail", explicit, nude). "Tell my son not to keep secrets"
is protective; "our secret" is not.

Pure, on `normalize.plain` text (casefolded, accents stripped, "ı" -> "i", "ł" -> "l"). Written
from the label guide (corpus/LABEL_GUIDE.md, `sexual_minors`, hard negatives), never from the rows
it is measured on. hybrid.py decides what it changes: only what the learned judge alone reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


def alt(*parts: str) -> str:
    return r"\b(?:" + "|".join(parts) + r")(?!\w)"


_KIN = (
    # en
    r"(?:my|our) (?:\d+ ?(?:years? ?old|yo|y/o) )?(?:\w+ )?(?:sons?|daughters?|child|children|kids?|boys?|girls?|"
    r"teens?|teenagers?|toddlers?|stepsons?|stepdaughters?|nieces?|nephews?|grandsons?|granddaughters?|"
    r"grandchildren|students?|pupils?|class|scouts?|players?|team)",
    r"as (?:a|an) (?:\w+ )?(?:parent|mom|mum|dad|mother|father|teacher|coach|youth worker|counsel+or|babysitter|"
    r"nanny|carer|caregiver|guardian|foster parent|social worker|school nurse|headteacher|principal)",
    r"(?:parents|teachers|schools|carers|caregivers)",
    r"(?:grandsons?|granddaughters?|nieces?|nephews?|stepsons?|stepdaughters?|foster (?:child|kids?|children))",
    r"i(?:'?m| am) (?:a |an |the )?(?:\w+ )?(?:teacher|coach|counsel+or|babysitter|nanny|childminder|carer|"
    r"foster (?:carer|parent|mum|mom|dad)|youth worker|scout leader|librarian|school nurse|social worker|"
    r"headteacher|principal)",
    r"(?:teacher|coach|counsel+or|nurse|social worker|youth worker|librarian|scout leader) here",
    r"i (?:coach|teach|train|run|mentor) (?:\w+ ){0,3}?(?:kids|children|under-?\d+s?|u\d+s?|juniors?|class|"
    r"team|pupils|students|scouts|girls|boys)",
    # es
    r"mis? (?:\w+ )?(?:hij[oa]s?|nin[oa]s?|chic[oa]s?|alumn[oa]s?|estudiantes|sobrin[oa]s?|niet[oa]s?|clase)",
    r"como (?:madre|padre|mama|papa|profesor[a]?|maestr[oa]|docente|educador[a]?|entrenador[a]?|tutor[a]?)",
    r"(?:los )?(?:padres|profesores|maestros|colegios|escuelas)",
    r"(?:nuestr[oa]s?|tu|su) (?:\w+ )?(?:hij[oa]s?|nin[oa]s?|niet[oa]s?|sobrin[oa]s?|alumn[oa]s?)",
    r"(?:niet[oa]|sobrin[oa]|hijastr[oa])s?",
    r"soy (?:\w+ )?(?:maestr[oa]|profesor[a]?|orientador[a]?|entrenador[a]?|monitor[a]?|canguro|ninera|"
    r"educador[a]?|trabajador[a]? social|psicolog[oa]|familia de acogida)",
    r"(?:entreno|doy clase|ensen[oa]) (?:a |en )?(?:\w+ ){0,3}?(?:ninos|infantil|alumnos|equipo|clase)",
    # fr
    r"(?:mon|ma|mes|notre|nos) (?:\w+ )?(?:fils|fille|filles|enfants?|garcons?|neveux?|nieces?|petits?-enfants|"
    r"petite?-fille|petit-fils|eleves?|classe)",
    r"en tant que (?:parent|mere|pere|maman|papa|enseignant\w*|prof\w*|educat\w*|entraineur)",
    r"(?:les )?(?:parents|enseignants|ecoles)",
    r"(?:petit-fils|petite-fille|niece|neveu|beau-fils|belle-fille)",
    r"je suis (?:\w+ )?(?:instit\w*|prof\w*|enseignant\w*|entraineur|animat\w*|nounou|baby-sitter|educat\w*|"
    r"assistante? (?:familiale|maternelle|sociale)|infirmiere scolaire|psychologue)",
    r"(?:infirmiere scolaire|instit|prof|enseignante?|entraineur)(?= ?:)",
    r"j'(?:entraine|enseigne) (?:\w+ ){0,3}?(?:enfants|jeunes|u\d+|equipe|classe)",
    # de
    r"(?:mein|meine|meinem|meinen|meiner|unser|unsere|unserem|unseren) (?:\w+ )?(?:sohn|sohne|tochter|tochtern|kind|"
    r"kinder|kindern|jungen?|madchen|schuler\w*|klasse|enkel\w*|neffen?|nichten?)",
    r"als (?:mutter|vater|elternteil|lehrer\w*|erzieher\w*|mama|papa|trainer\w*|betreuer\w*)",
    r"(?:eltern|lehrer|lehrkrafte|schulen)",
    r"(?:unsere[rnm]?|deine[rnm]?|ihre[rnm]?) (?:\w+ )?(?:sohn|tochter|kind|kinder|kindern|enkel\w*|nichte|neffe)",
    r"(?:enkel\w*|nichte|neffen?|stiefsohn|stieftochter|pflegekind\w*)",
    r"(?:ich bin|bin) (?:\w+ )?(?:lehrer\w*|grundschullehrer\w*|erzieher\w*|trainer\w*|betreuer\w*|"
    r"babysitter\w*|schulsozialarbeiter\w*|sozialarbeiter\w*|pflegemutter|pflegevater|tagesmutter)",
    r"\w*(?:lehrer|lehrerin|sozialarbeiterin|sozialarbeiter|erzieherin|erzieher) hier",
    r"ich (?:trainiere|unterrichte|betreue) (?:\w+ ){0,3}?(?:kinder|jugend|e-jugend|f-jugend|klasse|mannschaft)",
    # it
    r"(?:mio|mia|miei|mie|nostro|nostra|nostri|ai miei|a mio|a mia) (?:\w+ )?(?:figli[oa]?|figlie|bambin[oi]|"
    r"bimb[oa]|bimbi|alunn[io]|studenti|nipot[ei]|classe|ragazz[io])",
    r"come (?:genitore|madre|padre|mamma|papa|insegnante|maestr[ao]|educat\w*|allenat\w*)",
    r"(?:i )?(?:genitori|insegnanti|scuole)",
    r"(?:nostr[oa]|nostri|tuo|tua|suo|sua) (?:\w+ )?(?:figli[oa]?|figlie|bambin[oi]|nipot[ei])",
    r"(?:sono|faccio) (?:una |un |il |la )?(?:\w+ )?(?:maestr[ao]|insegnante|prof|allenat\w*|educat\w*|"
    r"babysitter|psicolog[ao]|assistente sociale|animat\w*|famiglia affidataria)",
    r"(?:alleno|insegno) (?:a |in )?(?:\w+ ){0,3}?(?:bambini|pulcini|ragazzi|squadra|classe)",
    # pt
    r"(?:meu|minha|meus|minhas|nosso|nossa|nossos|nossas) (?:\w+ )?(?:filh[oa]s?|criancas?|alun[oa]s?|"
    r"sobrinh[oa]s?|net[oa]s?|turma|menin[oa]s?)",
    r"como (?:mae|pai|professor[a]?|educador[a]?|treinador[a]?)",
    r"(?:os )?(?:pais|professores|escolas)",
    r"(?:d[oa]|da nossa|do nosso|nossa|nosso) (?:\w+ )?(?:filh[oa]|net[oa]|sobrinh[oa])",
    r"(?:net[oa]|sobrinh[oa]|entead[oa])s?",
    r"sou (?:\w+ )?(?:professor[a]?|treinador[a]?|educador[a]?|baba|psicolog[oa]|assistente social|monitor[a]?)",
    r"somos (?:uma )?familia de acolh\w*",
    # nl
    r"(?:mijn|m'?n|onze|ons) (?:\w+ )?(?:zoon|zoons|dochter|dochters|kind|kinderen|kids|leerlingen?|klas|neefje|"
    r"nichtje|kleinkind\w*)",
    r"als (?:ouder|moeder|vader|leraar|lerares|docent|juf|meester|trainer|coach)",
    r"(?:ouders|leraren|docenten|scholen)",
    r"(?:kleinzoon|kleindochter|neefje|nichtje|pleegkind\w*|stiefzoon|stiefdochter)",
    r"(?:ik ben|ben) (?:\w+ )?(?:juf|meester|leraar|lerares|docent|trainer|coach|oppas|pleegmoeder|pleegvader|"
    r"vertrouwenspersoon|mentor|jeugdwerker|begeleider)",
    r"ik (?:train|coach|geef les aan) (?:\w+ ){0,3}?(?:kinderen|jeugd\w*|team|klas|groep)",
    # pl
    r"(?:moj|moja|moje|mojego|mojej|moim|mojemu|moich|moimi|nasz|nasza|nasze|naszego|naszej|naszych) "
    r"(?:\w+ )?(?:syn\w*|cork\w*|dzieck\w*|dzieci\w*|uczni\w*|uczennic\w*|klas\w*|wnuk\w*|wnucz\w*)",
    r"jako (?:rodzic|matka|ojciec|mama|tata|nauczyciel\w*|opiekun\w*|trener\w*)",
    r"(?:rodzice|nauczyciele|szkoly)",
    r"(?:wnuk\w*|wnucz\w*|siostrzen\w*|bratan\w*|pasierb\w*)",
    r"(?:naszej|naszego|naszym) (?:\w+ )?(?:cork\w*|syn\w*|dzieck\w*)",
    r"(?:cork[ia]|syna|synowi|coreczk\w*|synk\w*)",
    r"jestem (?:\w+ )?(?:nauczyciel\w*|pedagog\w*|trener\w*|opiekun\w*|wychowawc\w*|psycholog\w*)",
    r"(?:trenuje|ucze) (?:\w+ ){0,3}?(?:dzieci\w*|dzieciaki|mlodzik\w*|klase|druzyne)",
    r"(?:rodzin\w* zastepcz\w*)",
    # tr
    r"(?:oglum|kizim|cocugum|cocuklarim|ogrencilerim|sinifim|yegenim|torunum)\w*",
    r"(?:bir )?(?:ebeveyn|anne|baba|ogretmen|egitmen|antrenor) olarak",
    r"(?:ebeveynler|veliler|ogretmenler|okullar)",
    r"(?:kizimiz|oglumuz|cocugumuz|torunum|yegenim|torunuma|yegenime)\w*",
    r"(?:ogretmen|rehber ogretmen|antrenor|bakici|egitmen)\w*(?:yim|im|um|yum)",
    r"koruyucu aile\w*",
    r"(?:cocuk|kucukler|minikler) (?:\w+ ){0,2}?(?:takimi|sinifi) (?:calistiriyorum|yonetiyorum)",
)
_CARE = re.compile(alt(*_KIN))

_OFFENDER = re.compile(
    alt(
        r"groom\w*",
        # en
        r"predators?",
        r"p(?:a)?edophiles?",
        r"(?:child )?(?:molesters?|abusers?)",
        r"strangers?",
        r"(?:adult|older|grown) (?:men|women|people|strangers|adults|guys)",
        r"(?:adults|people|someone|men) (?:online|on the internet|they meet online)",
        r"(?:an|another|some) (?:older )?(?:adult|grown-?up|man|woman)",
        r"online (?:friend|boyfriend|girlfriend)",
        r"(?:an? |the |this )?(?:account|profile|user)",
        r"(?:un|una|un'|ein|eine|einem|einen|um|uma|een|bir) (?:\w+ )?(?:adult[oa]|adulte|erwachsene[rnm]?|"
        r"volwassene|yetiskin\w*)",
        r"(?:una|la|el|un) (?:cuenta|perfil)",
        r"(?:un|le|ce) (?:compte|profil)",
        r"(?:ein|einen|das|den|dieses?n?) (?:\w+ )?(?:konto|profil|account)",
        r"(?:un|il|questo) (?:profilo|account)",
        r"(?:um|o|uma|esse|este) (?:perfil|conta)",
        r"(?:een|het|dit|dat) (?:account|profiel)",
        r"(?:konto|profil)\w*",
        r"(?:hesap|profil)\w*",
        r"malintenzionat\w*",
        r"(?:volwassenen|mensen) met (?:slechte|verkeerde) bedoelingen",
        r"(?:con|mit|avec|com) (?:malas|boses?n?|schlechten|mauvaises|mas) "
        r"(?:intenciones|absichten|intentions|intencoes)",
        # es pt
        r"depredador\w*",
        r"predador\w*",
        r"pederast\w*",
        r"pedofil\w*",
        r"abusador\w*",
        r"acosador\w*",
        r"aliciador\w*",
        r"extran[oa]s",
        r"estranh[oa]s",
        r"desconocid[oa]s",
        r"desconhecid[oa]s",
        r"adultos",
        # fr
        r"predateurs?",
        r"pedocriminel\w*",
        r"agresseurs?",
        r"inconnus?",
        r"adultes",
        # de
        r"tater\w*",
        r"padophile\w*",
        r"padokriminell\w*",
        r"fremde[rnm]?",
        r"erwachsenen?",
        # it
        r"predator[ei]",
        r"abusator[ei]",
        r"molestator[ei]",
        r"adescat\w*",
        r"adescament\w*",
        r"estrane[io]",
        r"sconosciut[ie]",
        r"adulti",
        # nl
        r"pedofiel\w*",
        r"(?:kinder)?lokkers?",
        r"daders?",
        r"misbruikers?",
        r"vreemden?",
        r"vreemde (?:mannen|volwassenen|mensen)",
        r"volwassenen",
        # pl
        r"drapiezc\w*",
        r"sprawc\w*",
        r"obc(?:y|ych|ymi|ego)",
        r"dorosl(?:y|i|ych|ymi)",
        # tr
        r"istismarci\w*",
        r"sapik\w*",
        r"tacizci\w*",
        r"yabanci\w*",
        r"yetiskin\w*",
    )
)

_AIM = re.compile(
    alt(
        # en
        r"protect\w*",
        r"keep (?:\w+ ){1,3}safe",
        r"safe from",
        r"(?:online )?safety",
        r"safeguard\w*",
        r"warning signs?",
        r"red flags?",
        r"(?:the )?signs (?:of|that)",
        r"watch (?:out )?for",
        r"look out for",
        r"be aware",
        r"what (?:should|can|do) (?:i|we) (?:watch|look|do|know|tell|say)",
        r"recogni[sz]\w*",
        r"spot (?:it|them|the signs|if|when|a)",
        r"notice",
        r"warn (?:him|her|them|my|our|the|kids|children)",
        r"teach (?:him|her|them|my|our|kids|children)",
        r"talk (?:to|with) (?:him|her|them|my|our) (?:\w+ )?about",
        r"report\w*",
        r"prevent\w*",
        r"is (?:he|she|someone|this|that) grooming",
        r"parental controls?",
        r"(?:privacy )?settings",
        r"(?:set up|configure|lock down) (?:\w+ ){0,3}?so",
        r"(?:only|just) (?:\w+ ){0,3}?(?:from|by) (?:their |her |his )?(?:friends|people (?:they|she|he) know)",
        r"(?:should i|do i need to|must i) (?:be )?(?:worried|worry|concerned)",
        r"(?:is (?:this|that|it) (?:normal|ok|okay|a red flag|a warning sign))",
        r"feels? off",
        r"disclos\w*",
        r"(?:who|whom) (?:do|should) (?:i|we) (?:call|tell|contact)",
        r"(?:proper |right )?(?:steps|procedure|protocol|policy|policies|rules) (?:for|to|should)",
        r"body safety",
        r"(?:good|bad|safe|unsafe) (?:secrets?|touch|surprises?)",
        r"(?:not|never) (?:to )?keep (?:\w+ )?secrets?",
        # es
        r"proteger\w*",
        r"prevenir\w*",
        r"prevencion",
        r"senales(?: de alerta)?",
        r"estar atent[oa]s?",
        r"prestar atencion",
        r"(?:en )?que (?:debo|deberia|tengo que) fijarme",
        r"reconocer\w*",
        r"detectar\w*",
        r"advertir\w*",
        r"ensenarle\w*",
        r"denunciar\w*",
        r"a salvo",
        r"seguridad",
        r"control(?:es)? parental(?:es)?",
        r"configur\w* (?:\w+ ){0,4}?para que",
        r"(?:es para preocuparse|debo preocuparme|es normal|es una senal|senal de alarma)",
        r"(?:a quien|donde) (?:acudo|llamo|denuncio|aviso)",
        r"(?:protocolo|procedimiento)",
        r"(?:secretos?|sorpresa) (?:bueno|malo|buena|mala)s?",
        r"(?:un )?secreto malo",
        r"(?:no|nunca) (?:tiene que |debe |hay que )?guardar (?:\w+ )?secretos?",
        r"me lo cuent\w*",
        # fr (proteger, prevenir: es)
        r"prevention",
        r"signes?(?: d'alerte| avant-coureurs)?",
        r"signaux d'alerte",
        r"faire attention",
        r"surveiller",
        r"reperer",
        r"reconnaitre",
        r"mettre en garde",
        r"signaler",
        r"securite",
        r"controles? parentaux",
        r"(?:regler|configurer|parametrer) (?:\w+ ){0,4}?pour que",
        r"(?:c'est grave|est-ce normal|c'est normal|dois-je m'inquieter|faut-il s'inquieter)",
        r"qui (?:dois-je|je dois|faut-il) (?:appeler|prevenir|contacter)",
        r"(?:procedure|protocole) de signalement",
        r"signal\w*",
        r"(?:secret|surprise) qui fait mal",
        r"(?:bonne|mauvaise) surprise",
        r"s'il se confie|si elle se confie|se confie",
        # de
        r"schutz\w*",
        r"beschutz\w*",
        r"vorbeug\w*",
        r"warnsignale?",
        r"warnzeichen",
        r"anzeichen",
        r"worauf (?:sollte|muss|soll|kann) ich (?:\w+ )?achten",
        r"achten auf",
        r"aufpassen",
        r"(?:erkenn|erkennt|erkannt)\w*",
        r"warnen",
        r"aufklar\w*",
        r"melden",
        r"sicherheit",
        r"kindersicherung",
        r"jugendschutz\w*",
        r"einstellungen",
        r"(?:so )?ein(?:stellen)?,? (?:dass|damit)",
        r"(?:muss ich mir sorgen machen|ist das normal|ist das ein warnsignal|sollte ich mir sorgen machen)",
        r"an wen (?:wende ich mich|soll ich mich wenden)",
        r"(?:meldung|meldekette|schutzkonzept)",
        r"meld\w*",
        r"(?:gute|schlechte) geheimnisse",
        r"anvertraut",
        # it
        r"protegger\w*",
        r"prevenire",
        r"prevenzione",
        r"segnali(?: d'allarme| di allarme)?",
        r"campanell[io] d'allarme",
        r"fare attenzione",
        r"stare attent[oi]",
        r"riconoscer\w*",
        r"accorger\w*",
        r"avvertir\w*",
        r"segnalar\w*",
        r"al sicuro",
        r"sicurezza",
        r"(?:parental control|controllo parentale|controlli parentali)",
        r"impost\w* (?:\w+ ){0,4}?(?:in modo che|perche)",
        r"(?:devo preoccuparmi|e normale|e un campanello)",
        r"a chi mi rivolgo",
        r"(?:procedura|protocollo)",
        r"segnal\w*",
        r"(?:segreto brutto|segreti brutti|bella sorpresa)",
        r"si confida",
        # pt (proteger, denunciar: es)
        r"prevencao",
        r"sinais(?: de alerta)?",
        r"ficar atent[oa]s?",
        r"prestar atencao",
        r"reconhecer",
        r"perceber",
        r"identificar",
        r"alertar",
        r"seguranca",
        r"em seguranca",
        r"controle parental",
        r"configur\w* (?:\w+ ){0,4}?(?:pra que|para que)",
        r"(?:e motivo de preocupacao|devo me preocupar|e normal|sinal de alerta|e um sinal)",
        r"(?:pra quem|para quem|a quem) (?:eu )?(?:ligo|recorro|denuncio)",
        r"(?:procedimento|protocolo)",
        r"denunci\w*",
        r"(?:segredo ruim|surpresa boa)",
        r"se (?:ela|ele) se abrir",
        # nl
        r"bescherm\w*",
        r"voorkomen",
        r"(?:waarschuwings|alarm)?signalen",
        r"waar (?:moet|moeten|kan|kunnen) (?:ik|we) (?:\w+ )?op letten",
        r"letten op",
        r"herkennen",
        r"opmerken",
        r"waarschuwen",
        r"veilig\w*",
        r"ouderlijk toezicht",
        r"(?:stel|stellen|instellen) (?:\w+ ){0,4}?(?:in )?zodat",
        r"(?:moet ik me zorgen maken|is dat normaal|is dat een rode vlag|rode vlag)",
        r"meld\w*",
        r"(?:naar geheim|leuke verrassing)",
        r"als (?:het kind|hij|zij) erover begint",
        # pl
        r"chronic\w*",
        r"ochron\w*",
        r"zapobie\w*",
        r"sygnaly(?: ostrzegawcze)?",
        r"oznaki",
        r"na co (?:\w+ )?(?:zwracac|zwrocic) uwage",
        r"uwazac",
        r"rozpozna\w*",
        r"zauwazyc",
        r"ostrzec",
        r"zglosic",
        r"bezpieczen\w*",
        r"kontrol\w* rodzicielsk\w*",
        r"(?:ustawic|skonfigurowac) (?:\w+ ){0,4}?(?:zeby|tak zeby|aby)",
        r"(?:czy to powod do niepokoju|czy to normalne|czerwona flaga|czy mam sie martwic)",
        r"(?:gdzie|do kogo) (?:mam )?(?:sie )?(?:zglosic|zwrocic|dzwonic)",
        r"(?:procedura|niebieska karta)",
        r"zglos\w*",
        r"(?:zlym|zly|dobry|dobrym) sekret\w*",
        r"(?:mila niespodzianka|miła niespodzianka)",
        r"(?:sie zwierzy|zwierzyl\w*)",
        # tr
        r"korum\w*",
        r"korunm\w*",
        r"onlem\w*",
        r"(?:uyari )?isaretler\w*",
        r"neye dikkat",
        r"dikkat etme\w*",
        r"nasil (?:fark ederim|fark edebilirim|anlarim|anlayabilirim)",
        r"uyarmak",
        r"guvende",
        r"guvenlig\w*",
        r"bildirmek",
        r"sikayet\w*",
        r"ebeveyn (?:denetimi|kontrolu)",
        r"(?:nasil ayarlarim|ayarlamaliyim|ayarlari)",
        r"(?:endiselenmeli miyim|normal mi|uyari isareti mi|tehlike isareti)",
        r"(?:kime|nereye) (?:basvurmaliyim|bildirmeliyim|haber vermeliyim)",
        r"bildir\w*",
        r"(?:kotu sir|guzel surpriz)",
        r"(?:cocuk anlatirsa|bana acilirsa)",
    )
)

# The asker acting on a child, hiding it from the child's carers, or asking for content.
_TURNED = re.compile(
    alt(
        # en
        r"(?:how|can|could|should|do|would|where) (?:do |can |could |should )?i (?:\w+ )?(?:approach|befriend|"
        r"message|text|dm|groom|meet|get close to|get closer to|win over|seduce|touch|photograph|film)",
        r"i (?:\w+ ){0,3}?(?:gain|earn|win|get) (?:his|her|their|a|the) (?:\w+'?s? )?trust",
        r"(?:get|be|alone) (?:\w+ )?alone with",
        r"(?:get|have) (?:him|her|them|the (?:child|kid|boy|girl)) alone",
        r"(?:our|a) (?:little )?secret",
        r"(?:keep|stay) (?:it|this) between us",
        r"without (?:\w+ ){0,2}?(?:parents?|mom|mum|dad|mother|father|family|teachers?|anyone|anybody|them) "
        r"(?:knowing|noticing|finding out|suspecting|seeing)",
        r"(?:so|that) (?:no ?one|nobody|they|his parents|her parents|the parents) (?:\w+ )?(?:finds? out|knows?|"
        r"notices?|suspects?)",
        r"(?:not|never|without|avoid) (?:\w+ )?(?:get|getting|being) caught",
        r"(?:easiest|easy|easier) (?:targets?|to groom|to approach)",
        r"(?:report|reporting|reported|suspect|suspecting|suspects) me",
        r"(?:avoid|stop|prevent) (?:\w+ ){0,3}?(?:getting |being )?reported",
        r"without (?:\w+ ){0,5}?(?:see|seeing|read|reading|check|checking)",
        r"(?:like|such as) me",
        r"(?:so|where|when) i (?:can |could )?(?:\w+ ){0,3}?(?:alone|one-on-one|one on one)",
        r"(?:delete|erase|hide) (?:our|the) (?:messages|chats|texts)",
        r"(?:see|think of) me as (?:\w+ ){0,3}?(?:friend|only one)",
        r"(?:doesn'?t|does not|won'?t|will not|not to|never) tell (?:\w+ )?(?:mum|mom|mother|dad|father|parents?|"
        r"anyone|anybody|teachers?)",
        r"(?:in|into) my bed",
        r"(?:write|story|roleplay|role-play|rp|scene|fanfic\w*|explicit|erotic\w*|sexy|nudes?|naked|in detail|"
        r"step by step|pictures? of|photos? of)",
        # es
        r"(?:como|puedo) (?:\w+ )?(?:acercarme|ganarme)",
        r"sin que (?:\w+ ){0,3}?(?:se entere\w*|lo sepa\w*|lo note\w*|sospeche\w*|se de cuenta|se den cuenta)",
        r"que (?:nadie|sus padres) (?:se entere\w*|lo sepa\w*|sospeche\w*)",
        r"(?:me pillen|me descubran|me denuncien|sospechar de mi|sospechen de mi)",
        r"sin que (?:\w+ ){0,3}?(?:vean|lean)",
        r"(?:borrar|borre) (?:\w+ )?(?:nuestros|los) mensajes",
        r"(?:nuestro|un) (?:pequeno )?secreto",
        r"a solas con",
        r"no (?:se lo |le )?(?:diga|cuente)\w* (?:nada )?a (?:nadie|su madre|su padre|sus padres|su mama)",
        r"en mi cama",
        r"(?:escribe|escribir|historia|relato|rol|explicit[oa]|erotic[oa]|desnud[oa]s?|fotos de|con detalle)",
        # fr
        r"(?:comment|puis-je|je veux) (?:\w+ )?(?:l'approcher|m'approcher|gagner sa confiance|le seduire|"
        r"la seduire)",
        r"sans que (?:\w+ ){0,3}?(?:le sache\w*|ne le sache\w*|s'en apercoive\w*|remarque\w*|s'en rende\w*)",
        r"sans (?:me faire|etre) (?:prendre|attraper|remarquer|pris|vu)",
        r"(?:notre|un) (?:petit )?secret",
        r"(?:me denoncer|me signaler|me soupconner|me denoncent|me signalent)",
        r"(?:effacer|supprimer) (?:nos|les) messages",
        r"seul[e]?s? avec (?:lui|elle|eux|elles|l'enfant|un enfant|les enfants)",
        r"eviter (?:\w+ ){0,2}?signalement",
        r"ne (?:le |lui )?(?:dise|raconte) (?:rien )?pas a (?:personne|sa mere|son pere|ses parents)",
        r"dans mon lit",
        r"(?:ecris|ecrire|histoire|recit|jeu de role|explicite|erotique|nue?s?|photos d[e']|en detail)",
        # de
        r"ohne dass (?:\w+ ){0,3}?(?:es )?(?:merk\w*|mitbekomm\w*|erfahr\w*|erfahrt|weiss|wissen)",
        r"ohne erwischt zu werden",
        r"mich (?:\w+ ){0,6}?(?:melden|anzeigen|verdachtigen)",
        r"ohne dass (?:\w+ ){0,3}?(?:sehen|lesen|sieht|liest)",
        r"(?:unsere|die) nachrichten (?:\w+ )?(?:loschen|loscht)",
        r"(?:unser|ein) (?:kleines )?geheimnis",
        r"(?:mit ihm|mit ihr|mit dem kind|mit einem kind) allein",
        r"(?:damit|dass|wo|wie) ich (?:\w+ ){0,3}?allein",
        r"(?:niemandem|seiner mutter|ihrer mutter|seinen eltern|ihren eltern|der mama) (?:\w+ )?nichts? "
        r"(?:sagt|erzahlt|verrat)",
        r"in meinem bett",
        r"(?:wie|kann) (?:\w+ )?ich (?:\w+ )?(?:sein|ihr) vertrauen gewinnen",
        r"(?:wie|kann) (?:\w+ )?ich (?:\w+ )?(?:an ihn|an sie|an das kind|an kinder) (?:ran|heran)\w*",
        r"(?:schreib\w*|geschichte|rollenspiel|explizit\w*|erotisch\w*|nackt\w*|nacktbilder|fotos von|im detail)",
        # it
        r"senza che (?:\w+ ){0,3}?(?:se ne accorga\w*|lo sappia\w*|lo scopra\w*|sospetti\w*)",
        r"senza farmi (?:scoprire|beccare|vedere)",
        r"(?:mi denuncin\w*|sospettare di me|sospettano di me)",
        r"senza che (?:\w+ ){0,3}?(?:vedano|leggano|veda)",
        r"(?:cancellare|cancelli) (?:\w+ )?(?:i nostri|i) messaggi",
        r"(?:il nostro|un) (?:piccolo )?segreto",
        r"(?:da solo|da sola) con",
        r"non (?:lo )?(?:dica|racconti) (?:niente )?a (?:nessuno|sua madre|suo padre|i suoi genitori)",
        r"nel mio letto",
        r"(?:come|posso) (?:\w+ )?(?:avvicinarmi|conquistare la sua fiducia|guadagnarmi la sua fiducia)",
        r"(?:scrivi|scrivere|storia|racconto|gioco di ruolo|esplicit[oa]|erotic[oa]|nud[oaei]|foto di|nei dettagli)",
        # pt
        r"sem que (?:\w+ ){0,3}?(?:saiba\w*|perceba\w*|descubra\w*|desconfie\w*)",
        r"sem (?:ser|me deixar) (?:pego|pega|descobert[oa]|visto)",
        r"(?:me denunci\w*|ser denunciad[oa]|desconfiar de mim)",
        r"sem (?:\w+ ){0,3}?(?:verem|lerem)",
        r"(?:apagar|apague) (?:\w+ )?(?:as nossas|nossas|as) mensagens",
        r"(?:me ver|me veja) como",
        r"(?:nosso|um) (?:pequeno )?segredo",
        r"sozinh[oa] com",
        r"nao (?:conte|diga|fale) (?:nada )?(?:para|a|ao|aos) (?:ninguem|a mae|o pai|os pais|sua mae|seus pais)",
        r"na minha cama",
        r"(?:como|posso) (?:\w+ )?(?:me aproximar|ganhar a confianca|conquistar a confianca)",
        r"(?:escreva|escrever|historia|conto|roleplay|explicit[oa]|erotic[oa]|nu[as]?|pelad[oa]s?|fotos de|"
        r"em detalhes)",
        # nl
        r"zonder dat (?:\w+ ){0,3}?(?:het )?(?:merk\w*|weet|weten|doorhe\w*|ontdek\w*)",
        r"zonder betrapt te worden",
        r"(?:mij|me) (?:\w+ ){0,3}?(?:melden|aangeven|verdenken)",
        r"zonder dat (?:\w+ ){0,3}?(?:zien|ziet|lezen|leest)",
        r"(?:onze|de) berichten (?:\w+ )?(?:wissen|verwijderen)",
        r"(?:alleen zijn|alleen zijn met|met z'?n tweeen)",
        r"(?:het )?niet (?:aan )?(?:zijn|haar) (?:moeder|vader|ouders) (?:vertelt|zegt)",
        r"in mijn bed",
        r"(?:ons|een) (?:klein )?geheim(?:pje)?",
        r"alleen (?:\w+ )?met (?:hem|haar|het kind|een kind)",
        r"hoe (?:kan ik|win ik|krijg ik) (?:\w+ )?(?:zijn|haar) vertrouwen",
        r"(?:schrijf|schrijven|verhaal|rollenspel|expliciet\w*|erotisch\w*|naakt\w*|foto'?s van|in detail)",
        # pl
        r"bez wiedzy (?:\w+ )?(?:rodzicow|nikogo|matki|ojca)",
        r"(?:zeby|tak zeby|by|aby) (?:\w+ )?(?:rodzice|nikt) (?:sie )?nie (?:dowiedzial\w*|zorientowal\w*|"
        r"zauwazyl\w*)",
        r"nie dac sie (?:zlapac|przylapac)",
        r"(?:mnie zglos\w*|zgloszeni\w* na policje|podejrzewac mnie|podejrzewa mnie)",
        r"bez wiedzy",
        r"(?:kasowal|skasowal|usuwal|usunal) (?:\w+ )?(?:nasze )?wiadomosci",
        r"(?:przychodzil\w*|przychodzila) do mnie",
        r"nasz\w* (?:\w+ )?sekret\w*",
        r"sam na sam",
        r"nie (?:powie|powiedziala|powiedzial|mowila|mowil) (?:nic )?(?:mamie|mamusi|rodzicom|nikomu)",
        r"w moim lozku",
        r"jak (?:\w+ )?(?:zdobyc|zyskac) (?:jego|jej) zaufanie",
        r"(?:napisz|napisac|opowiadanie|historie|odgrywanie rol|wyuzdan\w*|erotyczn\w*|nag(?:i|ie|ich)|zdjecia|"
        r"szczegolowo)",
        # tr
        r"(?:ailesi|annesi|babasi|kimse|ebeveynleri|velisi) (?:\w+ )?(?:fark etmeden|bilmeden|duymadan|"
        r"anlamadan|ogrenmeden)",
        r"yakalanmadan",
        r"(?:benden suphelen\w*|sikayet edilmek\w*|ihbar edilmek\w*)",
        r"(?:gormeden|gormesin)",
        r"bas basa",
        r"mesajlarimizi (?:\w+ )?sil\w*",
        r"(?:annesine|babasina|ailesine|kimseye) (?:\w+ )?(?:soylememesi|anlatmamasi|soylemesin|anlatmasin)\w*",
        r"yatagimda",
        r"(?:bizim|kucuk) (?:kucuk )?sirrimiz",
        r"(?:onunla|cocukla) yalniz",
        r"(?:guvenini kazan(?:irim|abilirim|mak istiyorum)|nasil yaklasabilirim|nasil yaklasirim)",
        r"(?:yaz|yazar misin|hikaye|rol yap\w*|mustehcen|erotik|ciplak|fotograf\w*|ayrintili)",
    )
)


def cares_for_a_child(normalised: str) -> bool:
    """The turn speaks of a child in the asker's care, or as a carer (`_CARE`)."""
    return bool(_CARE.search(normalised))


@lru_cache(maxsize=4096)
def protects_a_child(normalised: str, cared_for: bool = False) -> bool:
    """The turn asks how to keep a child safe from abuse: two of a child in the asker's care (here,
    or `cared_for` in an earlier turn), the offender as a third person and a protective aim, and
    nothing that turns it round (`_TURNED`). `normalised`: `normalize.plain` of the turn."""
    if _TURNED.search(normalised):
        return False
    care = cared_for or cares_for_a_child(normalised)
    return care + bool(_OFFENDER.search(normalised)) + bool(_AIM.search(normalised)) >= 2


def protective(text: str, context: Iterable[str] = ()) -> bool:
    """`protects_a_child` on raw turns: this one, with the earlier ones read for a child in care."""
    from moderation.classifiers.offline.normalize import plain

    return protects_a_child(plain(text), any(cares_for_a_child(plain(turn)) for turn in context))
