"""The accessibility statement ("Erklärung zur Barrierefreiheit"): public bodies in NRW
publish one for each web application (BITV NRW, BITV 2.0 / WCAG 2.1 AA), with a way to
report barriers. It is public (no login): someone who cannot log in must be able to say so.
"""

from django.conf import settings
from django.shortcuts import render


def statement(request):
    return render(
        request,
        "accessibility.html",
        {
            "contact_name": settings.ACCESSIBILITY_CONTACT_NAME,
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "contact_phone": settings.ACCESSIBILITY_CONTACT_PHONE,
        },
    )
