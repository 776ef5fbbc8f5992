from django.conf import settings

from core.panels import nav_for


def site(request):
    user = getattr(request, "user", None)
    nav = nav_for(user) if user is not None and user.is_authenticated else []
    return {"site_name": settings.DOORSTEP_SITE_NAME_LABEL, "workspace_nav": nav}
