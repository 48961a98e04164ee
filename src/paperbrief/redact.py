"""One place that masks secrets in URLs and text before anything is printed, logged or stored.

Every module that shows a URL (database, LLM endpoint, notification URL) or an error that may
echo one goes through `mask_url`; the rules are here so they cannot drift apart.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

MASK = "****"

# Query parameters whose value is a credential (`…/pb?user=u&password=…`, `?api_key=…`; libpq's
# `sslpassword` unlocks the client key).
_SECRET_PARAMS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "sslpassword",
        "secret",
        "token",
        "access_token",
        "api_key",
        "apikey",
        "key",
        "sig",
    }
)
_USERINFO_RE = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@")
# Credentials as providers echo them in errors: `Bearer …`, OpenAI-style `sk-…` keys, header dumps.
_BEARER_RE = re.compile(r"(?i)(bearer\s+)[^\s'\",]+")
_SK_RE = re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}")
_HEADER_KEY_RE = re.compile(r"(?i)((?:api[_-]?key|x-api-key|authorization)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+")
# Notification schemes whose host is a server name rather than a token: showing it leaks nothing.
_WEBHOOK_SCHEMES = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
_QUERY_SECRET_RE = re.compile(
    r"(?i)([?&](?:password|passwd|pwd|pass|sslpassword|secret|token|access_token|api[_-]?key|key|sig)=)[^&\s'\"#]+"
)


def mask_url(url: str) -> str:
    """`url` with its password, any user info and credential-like query values replaced by `****`.

    The scheme, host, port, path and harmless query parameters stay, so the URL still says where it
    points: `postgresql://u:****@db/pb`, `postgresql://db/pb?user=u&password=****`.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return MASK
    if not parts.scheme:
        return mask_text(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None:
        host = f"{host}:{port}"
    if parts.password is not None:
        host = f"{parts.username or ''}:{MASK}@{host}"
    elif parts.username:
        host = f"{parts.username}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if k.lower() in _SECRET_PARAMS else v) for k, v in pairs], safe="*/:,")
    # Built by hand: urlunsplit would turn `sqlite:////abs/path` into `sqlite://abs/path`.
    return f"{parts.scheme}://{host}{parts.path}" + (f"?{query}" if query else "")


def mask_notify_url(url: str) -> str:
    """A notification URL reduced to its scheme: such URLs carry tokens even in the host (`tgram://TOKEN/…`)."""
    scheme = url.split("://", 1)[0] if "://" in url else "url"
    return f"{scheme}://{MASK}"


def notify_url_id(url: str) -> str:
    """A printable, stable id of a notification URL: `json://host:port/****#1a2b3c4d`, `slack://****#…`."""
    fingerprint = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.isascii() or not scheme.replace("+", "").isalnum():
        return f"{MASK}#{fingerprint}"
    scheme = scheme.lower()
    if scheme in _WEBHOOK_SCHEMES:
        host = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
        return f"{scheme}://{host}/{MASK}#{fingerprint}"
    return f"{scheme}://{MASK}#{fingerprint}"


def mask_text(text: str, *secrets: str | None) -> str:
    """`text` with each given secret and anything shaped like a credential replaced by `****`.

    Covers URL user info, credential-like query values, `Bearer …`, `sk-…` keys and header dumps;
    a long secret's first 12 characters too (providers echo keys partially masked).
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
            if len(secret) > 12:
                text = text.replace(secret[:12], MASK)
    text = _BEARER_RE.sub(rf"\1{MASK}", text)
    text = _SK_RE.sub(f"sk-{MASK}", text)
    text = _HEADER_KEY_RE.sub(rf"\1{MASK}", text)
    text = _QUERY_SECRET_RE.sub(rf"\1{MASK}", text)
    return _USERINFO_RE.sub(rf"\1{MASK}@", text)
