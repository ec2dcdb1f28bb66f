"""Turns Cdiscount errors into sentences that tell a seller what to do
(docs/architecture.md, Error messages)."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from channels.cdiscount import errors

# What to do when Cdiscount refuses the credentials, by API: each names its own portal and fields.
REFUSED_CREDENTIALS = {
    "octopia": gettext_lazy(
        "Cdiscount refused the Octopia client ID and client secret. Create an API account in the "
        "Octopia seller portal (Settings → Your personal settings and bank details → Connection "
        "information), enter its Client ID and Client Secret and your Seller ID under Edit, then "
        "use Save and Get Token."
    ),
    "marketplace": gettext_lazy(
        "Cdiscount refused the Marketplace API login and password. In your Cdiscount seller "
        "space, check the API login (your seller login followed by -api) and its password, enter "
        "them as API Login and API Password under Edit, then use Save and Get Token."
    ),
    None: gettext_lazy(
        "Cdiscount refused the credentials: check them under Edit (Octopia: the Client ID and "
        "Client Secret from the Octopia seller portal; Marketplace API: the -api login and its "
        "password), then use Save and Get Token."
    ),
}


# The .NET (WCF) boilerplate Cdiscount's Marketplace API wraps its faults in: it tells a seller
# nothing; the job's detail keeps the full text.
DOTNET_BOILERPLATE = (
    re.compile(r"The server was unable to process the request due to an internal error\.", re.I),
    re.compile(
        r"For more information about the error, either turn on IncludeExceptionDetailInFaults"
        r".*?(?:server trace logs\.|$)",
        re.I | re.S,
    ),
    re.compile(r"The formatter threw an exception while trying to deserialize the message:", re.I),
    re.compile(r"Please see InnerException for more details\.", re.I),
)
INNER_EXCEPTION = re.compile(r"The InnerException message was '(?P<inner>.+?)'\.", re.S)


def cdiscount_meaningful_text(text: str | None) -> str:
    """Cdiscount's own words without the .NET boilerplate around them ("" if nothing is left)."""
    if not text:
        return ""
    inner = INNER_EXCEPTION.search(text)
    if inner:
        text = inner.group("inner")
    for boilerplate in DOTNET_BOILERPLATE:
        text = boilerplate.sub(" ", text)
    return " ".join(text.split())


def cdiscount_error_sentence(exc: errors.CdiscountError, *, api: str | None = None) -> str:
    """`api`: the API generation the failed call went to, for advice naming its own portal."""
    if isinstance(exc, errors.InvalidCredentialsError):
        sentence = str(REFUSED_CREDENTIALS.get(api, REFUSED_CREDENTIALS[None]))
    elif isinstance(exc, errors.PermissionDeniedError):
        sentence = _(
            "Cdiscount refused access for this Seller ID: check the Seller ID, and that this "
            "Octopia API account may act for that seller."
        )
    elif isinstance(exc, errors.TokenRejectedError):
        sentence = _("The access token is expired or invalid: use Actions → Get Token.")
    elif isinstance(exc, errors.RateLimitError):
        if exc.retry_after:
            seconds = max(1, round(exc.retry_after))
            sentence = ngettext(
                "Cdiscount is limiting requests right now: try again in %(seconds)d second.",
                "Cdiscount is limiting requests right now: try again in %(seconds)d seconds.",
                seconds,
            ) % {"seconds": seconds}
        else:
            sentence = _("Cdiscount is limiting requests right now: try again in a minute.")
    elif isinstance(exc, errors.ServerError):
        sentence = _(
            "Cdiscount's service is having trouble (HTTP %(status)s): try again in a few minutes."
        ) % {"status": exc.status or "5xx"}
    elif isinstance(exc, errors.CdiscountConnectionError):
        sentence = _(
            "Cdiscount could not be reached (no answer in time, or the connection failed): "
            "try again in a few minutes."
        )
    elif isinstance(exc, errors.MalformedResponseError):
        sentence = _(
            "Cdiscount sent an answer that could not be read: try again later, and contact "
            "support if it goes on."
        )
    elif isinstance(exc, errors.RejectedError):
        sentence = _("Cdiscount rejected the request.")
    else:
        sentence = _("The call to Cdiscount failed.")
    details = []
    said = cdiscount_meaningful_text(exc.cdiscount_message)
    if said:
        details.append(_("Cdiscount said: “%(text)s”") % {"text": said})
    if exc.trace_id:
        details.append(_("trace id %(trace)s") % {"trace": exc.trace_id})
    if details:
        sentence = f"{sentence} ({'; '.join(details)})"
    return sentence
