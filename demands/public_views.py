"""Placeholders until the demands issue lands: the resident's demand form and status lookup."""

from django.shortcuts import render


def submit(request):
    return render(request, "demands/public_placeholder.html", {"title": "我要反映"})


def status(request):
    return render(request, "demands/public_placeholder.html", {"title": "办理进度查询"})
