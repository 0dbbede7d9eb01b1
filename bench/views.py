"""The baseline: what one request costs in bare Django with Relay's middleware and no data."""

from django.shortcuts import render

BASELINE_ITEMS = ("Orientation", "De-escalation", "Radio protocol", "Field safety")


def baseline(request):
    context = {"title": "Baseline", "heading": "Relay benchmark", "items": BASELINE_ITEMS}
    return render(request, "bench/baseline.html", context)
