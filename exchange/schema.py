"""drf-spectacular hook: the platform's main API document leaves the exchange paths out;
they are described, with their own security scheme, at /exchange/v1/openapi.json."""


def exchange_paths_excluded(endpoints, **kwargs):
    return [e for e in endpoints if not e[0].startswith("/exchange/")]


def exchange_security(result, generator, request, public):
    """Every exchange operation needs the bearer token: no anonymous alternative (drf-spectacular
    adds one, ``{}``, for views without authentication classes)."""
    result["security"] = [{"exchangeToken": []}]
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["security"] = [{"exchangeToken": []}]
    return result
