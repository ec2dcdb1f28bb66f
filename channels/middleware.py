from django.utils import timezone


class TimeZonePerRequestMiddleware:
    """Every request starts and ends in the default time zone.

    A company's pages activate its zone (views._company_account); the zone is thread-local, so
    without this the next request served by the same thread would show that company's times.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
