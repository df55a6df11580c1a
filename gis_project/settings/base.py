"""Settings shared by every environment. Values that differ come from ``gis_project.env``.

``dev``, ``test`` and ``prod`` import this module, create ``ENV`` first and call
:func:`configure`, which builds the settings that depend on the environment.
"""

from __future__ import annotations

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from gis_project.env import BASE_DIR, LOCAL_DIR, Env

# --- Applications -----------------------------------------------------------------------------
# Dependencies point downward only: the layers are in docs/architecture.md, and
# tests/test_architecture.py reads every import to hold them.
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "core",
    "jobs",
    "boundaries",
    "layers",
    "parcels",
    "addressing",
    "demo",
    "routing",
    "delivery",
    "servicerequests",
    "editor",
    "public_map",
    "transparency",
    "exchange",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.i18n.PageLanguageCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.handlers.DomainErrorMiddleware",
    # Chooses, per request, whether the read-heavy public views may read the replica (when
    # DATABASE_REPLICA_URL is set; otherwise it passes every request through untouched).
    "core.routers.ReplicaReadsMiddleware",
]

ROOT_URLCONF = "gis_project.urls"
WSGI_APPLICATION = "gis_project.wsgi.application"
ASGI_APPLICATION = "gis_project.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.platform",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Staff accounts open the register's personal data: 12 characters at least (NIST 800-63B
    # asks for 8; a passphrase of four words passes easily).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security posture ---------------------------------------------------------------------
# Every script, style, font and tile is served by the platform itself (no CDN), so the policy
# can forbid other hosts entirely. Images may be data:/blob: URLs (map canvases, proof
# photos before upload); the optional online basemap host is added by configure().
CONTENT_SECURITY_POLICY_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# The courier's page asks for the position; nothing else needs a device.
PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"
X_FRAME_OPTIONS = "DENY"
AUTHENTICATION_BACKENDS = [
    "core.security.ThrottledModelBackend",
    # Single sign-on (OpenID Connect); inert unless OIDC_ISSUER is set (see configure()).
    "accounts.oidc.PlatformOIDCBackend",
]
# Failed sign-ins before the user name, or the address, waits out the window.
SIGN_IN_MAX_FAILURES_PER_USER = 5
SIGN_IN_MAX_FAILURES_PER_ADDRESS = 30
SIGN_IN_LOCKOUT_SECONDS = 15 * 60
# Rate limits per scope: "public" for anyone not signed in (by address), "staff" for signed-in
# users (by account); None is unlimited. Scopes are chosen by URL name.
API_RATE_LIMITS = {
    "search": {"public": "120/min", "staff": "1200/min"},
    "geocode": {"public": "120/min", "staff": "1200/min"},
    "routing": {"public": "60/min", "staff": "600/min"},
    "lookup": {"public": "60/min", "staff": "600/min"},
    # Citizens' reports (Open311 POST requests.json): a person reports a few problems a day.
    "reports": {"public": "10/hour", "staff": "200/hour"},
}
API_RATE_SCOPES = {
    "addressing:search": "geocode",
    "addressing:autocomplete": "geocode",
    "addressing:reverse": "geocode",
    "addressing:postcode": "geocode",
    "map-search": "search",
    "map-identify": "search",
    "routing:route": "routing",
    "routing:matrix": "routing",
    "parcel-by-address": "lookup",
    "parcels:lookup": "lookup",
    "open311:requests": "reports",
    "delivery_api:check": "lookup",
    "delivery_api:point": "lookup",
    "delivery_api:offices": "lookup",
    "delivery_api:track": "lookup",
    "delivery_api:track-feedback": "lookup",
}

# --- Languages: Arabic first (the public's default), English second ---------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Hebron"
USE_TZ = True

# --- Static files: Django apps' own assets plus the npm packages in package-lock.json ---------
STATIC_URL = "/static/"
STATIC_ROOT = LOCAL_DIR / "static"
STATICFILES_DIRS = [
    ("vendor/noto-sans-arabic", BASE_DIR / "node_modules/@fontsource/noto-sans-arabic"),
    ("vendor/noto-sans", BASE_DIR / "node_modules/@fontsource/noto-sans"),
    ("vendor/leaflet-geoman", BASE_DIR / "node_modules/@geoman-io/leaflet-geoman-free/dist"),
    ("vendor/protomaps-leaflet", BASE_DIR / "node_modules/protomaps-leaflet/dist"),
]
STORAGES = {
    "default": {"BACKEND": "core.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Staff and couriers sign in here (the admin's own page admits staff accounts only).
LOGIN_URL = "login"
# Without a ``next`` page: staff to the editor, couriers to their view, citizens to the map.
LOGIN_REDIRECT_URL = "signed-in"
# mozilla-django-oidc's fixed part: the authorization-code flow with PKCE and a nonce, the ID
# token kept in the session for RP-initiated logout, RS256 checked against the provider's key
# set, and a provider that does not answer in OIDC_TIMEOUT seconds counted as down.
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True
OIDC_CREATE_USER = True
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_TIMEOUT = 5
OIDC_CLOCK_SKEW_SECONDS = 60
# Sessions live in the database (and the cache, sign-in throttles and rate limits in Redis, see
# configure()), never in a web process's memory or files: any web process behind the load
# balancer serves any signed-in user, and a sign-out ends the session everywhere at once.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# How many home deliveries one office takes per delivery window.
DELIVERY_WINDOW_CAPACITY = 40
# Seconds a courier spends at a door (handing over, identity check, signature).
DELIVERY_SERVICE_SECONDS = 180
# Round planning stops searching after 0.25 s plus this much per order, and never later than
# DELIVERY_PLAN_MAX_SECONDS (measured: 60 stops for one courier plan in about 1.5 s).
DELIVERY_PLAN_SECONDS_PER_ORDER = 0.02
DELIVERY_PLAN_MAX_SECONDS = 20.0
# Photos and signatures taken as proof of delivery.
DELIVERY_PROOF_MAX_BYTES = 5 * 1024**2
# Photos citizens attach to a service request (Open311 media).
SERVICE_REQUEST_PHOTO_MAX_BYTES = 5 * 1024**2

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
        # Couriers' and integrations' apps: "Authorization: Token <key>".
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.handlers.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONBodyParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.StrictLimitOffsetPagination",
    "DEFAULT_THROTTLE_CLASSES": ["core.throttles.PublicAPIThrottle"],
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ramallah municipal GIS API",
    "DESCRIPTION": "Parcels, postcode addressing, infrastructure layers and document delivery.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The exchange services have their own document (/exchange/v1/openapi.json).
    "PREPROCESSING_HOOKS": ["exchange.schema.exchange_paths_excluded"],
    "ENUM_NAME_OVERRIDES": {
        "LayerVisibilityEnum": "layers.models.Visibility",
        "GeometryTypeEnum": "layers.models.GeometryType",
        "JobStateEnum": "jobs.models.Job.State",
        "GeocodeCandidateKindEnum": "addressing.api.CANDIDATE_KINDS",
        "RasterKindEnum": "layers.models.RasterKind",
    },
}

# --- Maps: no tiles from other hosts unless an operator opts in --------------------------------
LEAFLET_CONFIG = {
    "TILES": [],
    "DEFAULT_CENTER": (31.905, 35.205),
    "DEFAULT_ZOOM": 13,
    "MIN_ZOOM": 7,
    "MAX_ZOOM": 20,
    "RESET_VIEW": False,
    "ATTRIBUTION_PREFIX": "Leaflet",
}

# --- Logging: to stderr, collected by whatever runs the process (gunicorn, systemd) -------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"level": "INFO"},
        # GEOS explains each invalid geometry as a notice; the services validate geometries
        # and report the reason themselves, so the notices would only be noise.
        "django.contrib.gis": {"level": "ERROR"},
    },
}

# GDAL 3.6 (Debian 12) cannot block file and network access while parsing spatial references.
# The platform never hands user-supplied CRS text to GDAL/PROJ: clients name a CRS by an EPSG
# code from an allow-list, so the warning does not apply.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Platform ---------------------------------------------------------------------------------
REFERENCE_DATA_DIR = BASE_DIR / "data" / "reference"
# File importers, tried in order; the first that accepts the file's name reads it.
LAYER_IMPORTERS = [
    "layers.importers.osm.OSMImporter",
    "layers.importers.ogr.OGRImporter",
    "layers.importers.csv.CSVImporter",
]

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Job state lives in jobs.Job (the database); Celery keeps no results of its own.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis hands an unacknowledged job to another worker after this many seconds; it must exceed
# the longest job (a national import), or a running job would be started twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 12 * 3600}
JOB_PROGRESS_DATABASE = "progress"
# Celery beat (started by `./platform run` beside the worker) sends these periodic tasks to the
# worker. Retention compares with the current time, so a missed night is made up by the next.
CELERY_BEAT_SCHEDULE = {
    "personal-data-retention": {
        "task": "transparency.personal_data_retention",
        # Every night at 02:30 in TIME_ZONE (Celery follows Django's), when hardly anyone works.
        "schedule": crontab(minute=30, hour=2),
    },
}

# --- Read replica (optional: DATABASE_REPLICA_URL) ---------------------------------------------
# A PostgreSQL streaming replica of the primary. The public's reads of these views (by URL
# name) may be served from it; everything else, every write, every read inside a transaction
# or after a write in the same request, and every request that carries a session or
# credentials read the primary (core.routers).
REPLICA_DATABASE = "replica"
DATABASE_ROUTERS = ["core.routers.ReplicaRouter"]
DATABASE_REPLICA_VIEWS = {
    # vector tiles and their descriptions
    "layers:tile",
    "layers:tilejson",
    "basemap-tile",
    # OGC API - Features reads (writes on the same URLs are never routed: GET and HEAD only)
    "ogcapi:collections",
    "ogcapi:collection",
    "ogcapi:items",
    "ogcapi:item",
    # public search and geocoding
    "addressing:search",
    "addressing:autocomplete",
    "addressing:reverse",
    "addressing:postcode",
    "map-search",
    "map-identify",
}
# How often each process compares the replica's replayed WAL with the primary's (seconds).
DATABASE_REPLICA_LAG_CHECK_SECONDS = 1.0
# After the replica could not be reached, reads go to the primary for this long before the
# replica is tried again (seconds).
DATABASE_REPLICA_RETRY_SECONDS = 10.0
# The tile cache remembers invalidations this long (core.sql.tile_cache_invalidate); a replica
# lagging more could render a tile from before an edit whose record is gone, so configure()
# refuses a DATABASE_REPLICA_MAX_LAG this large.
TILE_INVALIDATION_RETENTION_SECONDS = 15 * 60
# A running job's worker writes a heartbeat this often (seconds); a job silent for
# JOB_LOST_AFTER_SECONDS lost its worker (killed, out of memory, machine gone) and is failed.
# The gap is wide because a heartbeat thread can be starved by code that holds the GIL.
JOB_HEARTBEAT_SECONDS = 10
JOB_LOST_AFTER_SECONDS = 120


def configure(env: Env, *, debug_default: bool) -> dict:
    """Settings that depend on the environment, returned as a dict for ``globals().update``."""
    import dj_database_url

    database_url = env.required(
        "DATABASE_URL",
        why="no project-local database was found either; run `./platform run`, or point "
        "DATABASE_URL at a PostGIS server (postgis://user:password@host:port/name)",
    )
    database = dj_database_url.parse(database_url, conn_max_age=env.int("DB_CONN_MAX_AGE", 60))
    if database["ENGINE"] != "django.contrib.gis.db.backends.postgis":
        raise ImproperlyConfigured(
            f"DATABASE_URL must use the postgis:// scheme (got {database_url.split(':', 1)[0]}://)"
        )
    database["CONN_HEALTH_CHECKS"] = True
    database.setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", 5)

    redis_url = env.str("REDIS_URL", "redis://127.0.0.1:6379/0")
    # A second connection to the same database: jobs report progress through it so that the
    # report commits at once, even while the job's own work is one long transaction.
    progress = {**database, "OPTIONS": dict(database["OPTIONS"])}
    databases = {"default": database, JOB_PROGRESS_DATABASE: progress}
    replica = _replica_database(env, conn_max_age=database["CONN_MAX_AGE"])
    if replica is not None:
        databases[REPLICA_DATABASE] = replica
    max_lag = env.int("DATABASE_REPLICA_MAX_LAG", 30)
    if not 0 <= max_lag < TILE_INVALIDATION_RETENTION_SECONDS // 2:
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_MAX_LAG={max_lag}: use 0 to "
            f"{TILE_INVALIDATION_RETENTION_SECONDS // 2 - 1} seconds (a replica further behind "
            "could outlast the tile cache's record of an edit)"
        )
    return {
        "DEBUG": env.bool("DJANGO_DEBUG", debug_default),
        "DATABASES": databases,
        # Beyond this many seconds behind the primary the replica is not read (core.routers).
        "DATABASE_REPLICA_MAX_LAG_SECONDS": max_lag,
        "CELERY_BROKER_URL": env.str("CELERY_BROKER_URL", redis_url),
        "CELERY_TASK_DEFAULT_QUEUE": env.str("CELERY_QUEUE", "gis"),
        "CACHES": {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
            }
        },
        "PLATFORM_MUNICIPALITY": env.str("PLATFORM_MUNICIPALITY", "ramallah"),
        # Proxies in front of the platform that append the client's address to
        # X-Forwarded-For (sign-in throttling and rate limits count by address); 0 trusts no
        # header, for a platform that faces its clients directly.
        "TRUSTED_PROXIES": env.int("TRUSTED_PROXIES", 0),
        # Off only for measuring the server itself under load from one address (bench).
        "API_RATE_LIMITS_OFF": env.bool("API_RATE_LIMITS_OFF", False),
        "TILE_CACHE": env.str("TILE_CACHE", "files"),
        "GEOCODER": env.str("GEOCODER", "postgres"),
        "ROUTER": env.str("ROUTER", "graph"),
        "DELIVERY_SOLVER": env.str("DELIVERY_SOLVER", "pyvrp"),
        # The "files" engine's tile bytes; each web server may have its own or share one.
        "TILE_CACHE_DIR": env.str("TILE_CACHE_DIR", str(LOCAL_DIR / "tiles")),
        # Uploads and exports live here; several web servers must share it (NFS, a volume).
        "MEDIA_ROOT": env.str("MEDIA_ROOT", str(LOCAL_DIR / "media")),
        "LAYER_UPLOAD_MAX_BYTES": env.int("LAYER_UPLOAD_MAX_BYTES", 500 * 1024**2),
        "PLATFORM_BASE_URL": env.str("PLATFORM_BASE_URL", "http://127.0.0.1:8000"),
        # An online raster basemap the public map may offer beside its own (an XYZ URL such as
        # https://tile.openstreetmap.org/{z}/{x}/{y}.png, with its attribution). Off when
        # empty: the map then asks no other host for anything.
        "PUBLIC_MAP_ONLINE_BASEMAP_URL": env.str("PUBLIC_MAP_ONLINE_BASEMAP_URL", ""),
        "PUBLIC_MAP_ONLINE_BASEMAP_ATTRIBUTION": env.str(
            "PUBLIC_MAP_ONLINE_BASEMAP_ATTRIBUTION", ""
        ),
        **_sign_on(env),
        # Retention of personal data, in days (transparency.services, shown on the privacy
        # page): delivery contacts after the order closed, service-request contacts and photos
        # after the request closed, the records of who read personal data, and the exchange
        # services' request log (which government body asked about which address or parcel).
        **{
            name: _days(env, name, default)
            for name, default in (
                ("DELIVERY_CONTACT_RETENTION_DAYS", 90),
                ("SERVICE_REQUEST_CONTACT_RETENTION_DAYS", 180),
                ("PERSONAL_DATA_READ_RETENTION_DAYS", 730),
                ("EXCHANGE_REQUEST_LOG_RETENTION_DAYS", 365),
            )
        },
    }


# core.roles.Role's values (settings load before the apps; tests/accounts holds them equal).
ROLE_NAMES = (
    "planner",
    "cadastre_officer",
    "addressing_officer",
    "dispatcher",
    "courier",
    "administrator",
)


def _sign_on(env: Env) -> dict:
    """Single sign-on through an OpenID Connect provider (the national sign-on service), on
    when OIDC_ISSUER is set. The endpoints are the ones the provider's discovery document
    (``<issuer>/.well-known/openid-configuration``) lists."""
    issuer = env.str("OIDC_ISSUER", "")
    why = "single sign-on is on (OIDC_ISSUER is set); the provider's discovery document lists it"
    role_map = {role: role for role in ROLE_NAMES}
    for pair in env.list("OIDC_ROLE_MAP"):
        claim_value, _sep, role_name = pair.rpartition("=")
        if not claim_value or role_name not in role_map:
            raise ImproperlyConfigured(
                f"OIDC_ROLE_MAP: {pair!r} is not claim-value=role with a role among "
                f"{', '.join(role_map)}"
            )
        role_map[claim_value] = role_name
    required = (lambda name: env.required(name, why=why)) if issuer else (lambda name: "")
    return {
        "OIDC_ENABLED": bool(issuer),
        "OIDC_ISSUER": issuer,
        "OIDC_PROVIDER_NAME": env.str("OIDC_PROVIDER_NAME", "the national sign-on service"),
        "OIDC_RP_CLIENT_ID": required("OIDC_CLIENT_ID"),
        "OIDC_RP_CLIENT_SECRET": required("OIDC_CLIENT_SECRET"),
        "OIDC_OP_AUTHORIZATION_ENDPOINT": required("OIDC_AUTHORIZATION_ENDPOINT"),
        "OIDC_OP_TOKEN_ENDPOINT": required("OIDC_TOKEN_ENDPOINT"),
        "OIDC_OP_USER_ENDPOINT": required("OIDC_USERINFO_ENDPOINT"),
        "OIDC_OP_JWKS_ENDPOINT": required("OIDC_JWKS_ENDPOINT"),
        "OIDC_OP_LOGOUT_ENDPOINT": env.str("OIDC_END_SESSION_ENDPOINT", ""),
        "OIDC_RP_SCOPES": env.str("OIDC_SCOPES", "openid email profile roles"),
        "OIDC_ROLES_CLAIM": env.str("OIDC_ROLES_CLAIM", "roles"),
        # Claim value -> platform role; each role's own name maps to itself.
        "OIDC_ROLE_MAP": role_map,
        # Off: only single sign-on, except administrators' local accounts (for when the
        # provider is down). Always on while single sign-on is not configured.
        "SIGN_IN_LOCAL_ACCOUNTS": env.bool("SIGN_IN_LOCAL_ACCOUNTS", True),
    }


def _days(env: Env, name: str, default: int) -> int:
    """A retention period: at least one day (0 would erase data the moment a case closes)."""
    days = env.int(name, default)
    if days < 1:
        raise ImproperlyConfigured(f"{name}={days}: a retention period is at least 1 day")
    return days


def _replica_database(env: Env, *, conn_max_age: int) -> dict | None:
    """The ``replica`` database from DATABASE_REPLICA_URL, or None when it is unset."""
    import dj_database_url

    url = env.str("DATABASE_REPLICA_URL", "")
    if not url:
        return None
    replica = dj_database_url.parse(url, conn_max_age=conn_max_age)
    if replica["ENGINE"] != "django.contrib.gis.db.backends.postgis":
        raise ImproperlyConfigured(
            f"DATABASE_REPLICA_URL must use the postgis:// scheme (got {url.split(':', 1)[0]}://)"
        )
    # Checked at the start of every request that uses it, so a restarted replica costs no
    # request an error (core.routers falls back to the primary while it is away).
    replica["CONN_HEALTH_CHECKS"] = True
    replica.setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", 5)
    # Tests never create a database on a replica: it mirrors the primary's test database.
    replica["TEST"] = {"MIRROR": "default"}
    return replica
