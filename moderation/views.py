from django.http import HttpResponse


def queue(request):  # replaced by the console
    return HttpResponse("console")
