"""The Content-Security-Policy header on every response (Django 5.2 has none of its own).

The policy is read from SECURE_CSP, shaped like Django 6's setting of that name (directive →
sources), so moving to Django 6 means replacing this middleware by
`django.middleware.csp.ContentSecurityPolicyMiddleware`. Pages carry no inline script, style
or event handler: behaviour lives in static/js/app.js, looks in static/css/app.css.
"""

from django.conf import settings


def csp_header_value(policy: dict[str, list[str]]) -> str:
    return "; ".join(
        " ".join([directive, *sources]) if sources else directive
        for directive, sources in policy.items()
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = csp_header_value(settings.SECURE_CSP)

    def __call__(self, request):
        response = self.get_response(request)
        # A view that set its own policy keeps it.
        response.headers.setdefault("Content-Security-Policy", self.header)
        return response
