"""chatsite settings: everything that differs between deployments comes from the environment.

Embedded default (nothing set): SQLite, in-memory channel layer, eager Celery, offline classifier
and responder. Distributed: DATABASE_URL (PostgreSQL) and REDIS_URL (channel layer, Celery broker,
cache). See README.md for the table of variables.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from chatsite.env import env_bool, env_float, env_int, env_list, env_pair, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG is off (make run makes one)")
    SECRET_KEY = "insecure-debug-only-key"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "conversations",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "chatsite.middleware.ContentSecurityPolicyMiddleware",
    "chatsite.middleware.PrivateNoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "conversations.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: it turns a lockout into the 429 page
]

ROOT_URLCONF = "chatsite.urls"
ASGI_APPLICATION = "chatsite.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'chatsite.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    # A file, not memory, so that the server processes of browser tests share the test database.
    # One per test process, so that concurrent test runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The per-message statements (conversations/sql.py) bind their values on the server and are
# prepared once per connection (PostgreSQL plans them once, not for every message). Off behind a
# connection pooler that cannot keep prepared statements (PgBouncer in transaction mode before
# 1.21, or without max_prepared_statements).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
if IS_POSTGRES and DB_PREPARED_STATEMENTS:
    # Django turns psycopg's automatic preparing off (None); only server-side binding cursors ever
    # prepare, and only conversations.sql opens them, so the ORM's statements are unchanged.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    # Realtime events are best effort (a socket that misses one catches up with `sync`), so the
    # Pub/Sub layer fits: one PUBLISH per event and no Redis round trip per delivery, where the
    # list-based core layer spends three per group send and four per received event
    # (docs/benchmarks.md). CHANNEL_LAYER=core selects the core layer.
    CHANNEL_LAYER = env_str("CHANNEL_LAYER", "pubsub")
    if CHANNEL_LAYER not in ("pubsub", "core"):
        raise ImproperlyConfigured("CHANNEL_LAYER must be pubsub or core")
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
        if CHANNEL_LAYER == "pubsub"
        else {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1500, "expiry": 60},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: eager (in-process) without Redis, so the embedded default needs no services.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = env_bool("CELERY_TASK_EAGER_PROPAGATES", False)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_PREFETCH_MULTIPLIER", 4)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection before and after every task unless this is
# set, so every task paid a new PostgreSQL connection. With persistent connections
# (DB_CONN_MAX_AGE > 0) a worker keeps its connection for this many tasks.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000 if DATABASES["default"]["CONN_MAX_AGE"] else 0) or None
CELERY_TASK_ROUTES = {
    "moderation.tasks.classify_message": {"queue": "classify"},
    "moderation.tasks.reply_to_message": {"queue": "reply"},
    "moderation.tasks.run_backtest": {"queue": "classify"},
    "moderation.tasks.sweep_unanswered": {"queue": "classify"},
    "conversations.tasks.purge_deleted_conversations": {"queue": "classify"},
}
CELERY_BEAT_SCHEDULE = {
    "sweep-unanswered": {"task": "moderation.tasks.sweep_unanswered", "schedule": 60.0},
    "purge-deleted-conversations": {"task": "conversations.tasks.purge_deleted_conversations", "schedule": 3600.0},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins (django-axes, docs/security.md): counted per (username, address) and per address,
# in the shared cache, and only failures; a locked pair or address is refused before any password
# hashing, on /accounts/login/ and /admin/login/ alike.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
AXES_HANDLER = "conversations.login_attempts.LoginFailureHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # in LoginFailureHandler's order
AXES_FAILURE_LIMIT = "conversations.login_attempts.failure_limit"
AXES_COOLOFF_TIME = "conversations.login_attempts.lockout_period"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "conversations.login_attempts.attempted_username"
AXES_CLIENT_IP_CALLABLE = "conversations.login_attempts.client_address"
AXES_LOCKOUT_CALLABLE = "conversations.account_views.login_locked_out"
AXES_ENABLE_ADMIN = False  # nothing is stored in its tables with the cache handler
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "chat"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 24 * 14)
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HTTPS in production (docs/deployment.md); off by default so that `make run` serves plain http.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SESSION_COOKIE_SECURE)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# "HTTP_X_FORWARDED_PROTO,https" behind a TLS-terminating proxy that sets that header (and strips
# it from clients): requests (and websocket Origin checks) are then known to be https.
SECURE_PROXY_SSL_HEADER = env_pair("SECURE_PROXY_SSL_HEADER")

# The languages of the chat (DESIGN: the user's setting, else Accept-Language). The console stays
# English. Catalogues live in locale/ (the .mo files are committed; `make messages` rebuilds them).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("pt", "Português"),
    ("nl", "Nederlands"),
    ("pl", "Polski"),
    ("tr", "Türkçe"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files are served by WhiteNoise from STATIC_ROOT after collectstatic (make run does it),
# or straight from the app folders when it has not run (tests, a fresh checkout).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The assistant and the classifier.
ANTHROPIC_API_KEY = env_str("ANTHROPIC_API_KEY")
ANTHROPIC_BASE_URL = env_str("ANTHROPIC_BASE_URL")
ANTHROPIC_MODEL = env_str("ANTHROPIC_MODEL", "claude-sonnet-5-5")
ANTHROPIC_TIMEOUT = env_float("ANTHROPIC_TIMEOUT", 30.0)
ANTHROPIC_MAX_RETRIES = env_int("ANTHROPIC_MAX_RETRIES", 2)
ANTHROPIC_MAX_TOKENS = env_int("ANTHROPIC_MAX_TOKENS", 1024)
ANTHROPIC_STREAM_DEADLINE = env_float("ANTHROPIC_STREAM_DEADLINE", 120.0)
# The sweeper re-queues a user message left unanswered this long; longer than the longest reply
# stream, so a slow reply is never streamed twice.
SWEEP_GRACE_SECONDS = env_float("SWEEP_GRACE_SECONDS", max(60.0, ANTHROPIC_STREAM_DEADLINE + 30))
# The embedded default (eager tasks, no beat) sweeps from its server process this often; 0: never.
EMBEDDED_SWEEP_SECONDS = env_float("EMBEDDED_SWEEP_SECONDS", 60.0)
# The embedded default runs each turn on one of this many background threads of the server process,
# in order per conversation (moderation/embedded.py), so replies stream; 0: in the posting thread.
EMBEDDED_TURN_THREADS = env_int("EMBEDDED_TURN_THREADS", 4)
# The embedded default's server builds the classifier on a thread at start (moderation.embedded),
# so the first message does not wait ~1.8 s for it; 0: at the first message (unit tests).
EMBEDDED_WARM_CLASSIFIER = env_bool("EMBEDDED_WARM_CLASSIFIER", True)
CLASSIFIER_MODEL = env_str("CLASSIFIER_MODEL", "claude-haiku-5-5")
CLASSIFIER_MAX_RETRIES = env_int("CLASSIFIER_MAX_RETRIES", 1)
# cascade (moderation/classifiers/cascade.py): the LLM is asked when the first stage's calibrated
# probability of harm or crisis lies in this band, for a first stage without probabilities when its
# severity lies in the severity band, and for this share of all other traffic (a stable sample).
CASCADE_LLM_BAND = tuple(float(part) for part in env_list("CASCADE_LLM_BAND", "0.7,0.9"))
CASCADE_LLM_SEVERITY_BAND = tuple(int(part) for part in env_list("CASCADE_LLM_SEVERITY_BAND", "1,4"))
CASCADE_LLM_SHARE = env_float("CASCADE_LLM_SHARE", 0.0)
# hybrid (the default): a lexicon hit stands only where the learned judge finds its category (or,
# for the flag bar, the turn's harm at all) at least this likely; crisis categories: the lower bar.
HYBRID_VETO = env_float("HYBRID_VETO", 0.15)
HYBRID_FLAG_VETO = env_float("HYBRID_FLAG_VETO", 0.3)
HYBRID_CRISIS_VETO = env_float("HYBRID_CRISIS_VETO", 0.05)
HYBRID_CARRY_FLAG = env_float("HYBRID_CARRY_FLAG", 0.5)
# Where train_classifier and make eval read the project's corpus (corpus/LABEL_GUIDE.md).
CLASSIFIER_CORPUS_DIR = env_str("CLASSIFIER_CORPUS_DIR", str(BASE_DIR / "corpus"))
RESPONDER = env_str("RESPONDER", "anthropic" if ANTHROPIC_API_KEY else "offline")
# RESPONDER=local (opt-in, requirements-local-model.txt): a small model on this server's CPU
# (conversations/responders/local.py). One generation at a time per process; a request waits for
# the model up to LOCAL_MODEL_WAIT_SECONDS, a generation stops at LOCAL_MODEL_DEADLINE (both as
# the `unavailable` reply); the model sees the last LOCAL_MODEL_MAX_TURNS turns within
# LOCAL_MODEL_HISTORY_CHARS characters. LOCAL_MODEL_THREADS 0: half the cores (more threads stall on a busy machine).
LOCAL_MODEL_PATH = env_str("LOCAL_MODEL_PATH")
LOCAL_MODEL_MAX_TOKENS = env_int("LOCAL_MODEL_MAX_TOKENS", 300)
LOCAL_MODEL_MAX_TURNS = env_int("LOCAL_MODEL_MAX_TURNS", 6)
LOCAL_MODEL_HISTORY_CHARS = env_int("LOCAL_MODEL_HISTORY_CHARS", 2000)
LOCAL_MODEL_WAIT_SECONDS = env_float("LOCAL_MODEL_WAIT_SECONDS", 20.0)
LOCAL_MODEL_DEADLINE = env_float("LOCAL_MODEL_DEADLINE", 30.0)
LOCAL_MODEL_THREADS = env_int("LOCAL_MODEL_THREADS", 0)
LOCAL_MODEL_CONTEXT_TOKENS = env_int("LOCAL_MODEL_CONTEXT_TOKENS", 2048)
LOCAL_MODEL_TEMPERATURE = env_float("LOCAL_MODEL_TEMPERATURE", 0.2)
DEFAULT_CLASSIFIER_BACKEND = "hybrid"  # what the embedded default and an unset variable use
CLASSIFIER_BACKEND = env_str("CLASSIFIER_BACKEND", DEFAULT_CLASSIFIER_BACKEND)
CLASSIFIER_TIMEOUT = env_float("CLASSIFIER_TIMEOUT", 10.0)
CLASSIFIER_CONTEXT_TURNS = env_int("CLASSIFIER_CONTEXT_TURNS", 4)
# The output rail (moderation/rails.py) classifies the assistant's reply as it streams, every few
# hundred characters: a local backend (a few ms a check), whatever CLASSIFIER_BACKEND is.
RAIL_CLASSIFIER_BACKEND = env_str("RAIL_CLASSIFIER_BACKEND", "hybrid-output")
# Each worker process remembers the active policy version this long (seconds), instead of reading
# it for every message; a publication reaches every worker within this delay. 0: read every time.
POLICY_CACHE_SECONDS = env_float("POLICY_CACHE_SECONDS", 2.0 if REDIS_URL else 0.0)
# Extra backends by name -> dotted path, as JSON objects (fault tests register slow ones).
RESPONDERS = json.loads(env_str("RESPONDERS_JSON", "{}"))
CLASSIFIER_BACKENDS = json.loads(env_str("CLASSIFIER_BACKENDS_JSON", "{}"))

# Limits (DESIGN 6): message size, websocket frame size, per-user rates.
CHAT_MAX_MESSAGE_CHARS = env_int("CHAT_MAX_MESSAGE_CHARS", 8000)
CHAT_MAX_FRAME_BYTES = env_int("CHAT_MAX_FRAME_BYTES", 64 * 1024)
CHAT_RATE_LIMIT = env_rate("CHAT_RATE_LIMIT", "30/60")
CHAT_SYNC_RATE_LIMIT = env_rate("CHAT_SYNC_RATE_LIMIT", "60/60")
CHAT_MAX_SOCKETS_PER_USER = env_int("CHAT_MAX_SOCKETS_PER_USER", 20)
# A page that awaits a reply and has heard nothing on its open socket for this long asks for the
# conversation's state (`sync`): realtime delivery is best effort (an event published while a server
# re-subscribes after a Redis restart is lost to the sockets it serves). 0: never.
CHAT_OVERDUE_SYNC_SECONDS = env_float("CHAT_OVERDUE_SYNC_SECONDS", 15.0)
SIGNUP_RATE_LIMIT = env_rate("SIGNUP_RATE_LIMIT", "20/3600")
# A deleted conversation stays visible to moderators this many days, then is purged (services).
CHAT_DELETED_RETENTION_DAYS = env_int("CHAT_DELETED_RETENTION_DAYS", 30)

# The one hook from conversations to moderation (DESIGN 1): called on commit with the new user
# message's id.
CONVERSATIONS_MESSAGE_POSTED_HOOK = env_str(
    "CONVERSATIONS_MESSAGE_POSTED_HOOK", "moderation.pipeline.on_user_message_posted"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # The SDK and its HTTP client log request bodies (message text) at DEBUG: never below WARNING.
        **{name: {"level": "WARNING"} for name in ("anthropic", "httpx", "httpx2", "httpcore")},
    },
}
