# The portal's production image: gunicorn serving config.wsgi, static files
# collected at build time and served by WhiteNoise. The same image runs the
# Celery worker and beat (see docker-compose.yml).
#
# Keep a .dockerignore next to this file (.git, .venv, node_modules, .env,
# db.sqlite3, staticfiles, var/): without one, COPY . . would put a local .env
# with its secrets into an image layer.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Runtime packages: gettext (compilemessages), Pango/HarfBuzz and fonts
# (WeasyPrint PDFs), Node.js and npm (front-end packages, installed at build),
# the PostgreSQL 15 client (pg_dump/pg_restore for manage.py backup/restore).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        gettext \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        postgresql-client \
        nodejs \
        npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Python dependencies first, so that code changes do not reinstall them. The
# project itself has no installable packages (tool.setuptools.packages = []):
# the code runs from /app.
COPY pyproject.toml ./
RUN pip install . && rm -rf build ./*.egg-info

COPY . .

# Front-end packages, translations (when there are .po files: compilemessages
# fails without any locale directory) and static files. Any host node_modules,
# .venv, database or collected files that slipped into the build context are
# dropped first. collectstatic runs with PORTAL_ENV=production so that the
# hashed-name manifest production's CompressedManifestStaticFilesStorage
# needs is written; the key is a dummy that exists only during this step.
RUN rm -rf .venv node_modules staticfiles db.sqlite3 .env \
    && npm ci --no-audit --no-fund \
    && npm cache clean --force \
    && if find . -path ./node_modules -prune -o -name '*.po' -print -quit | grep -q .; then \
        python manage.py compilemessages --ignore=.venv --ignore=node_modules; \
    fi \
    && PORTAL_ENV=production SECRET_KEY=build-time-dummy-key-not-used-at-runtime \
        python manage.py collectstatic --noinput

# Unprivileged user; uploaded documents live in /app/var/media and the static
# files for the proxy are copied to /srv/static (volumes in compose, which
# inherit this ownership when first created).
RUN useradd --system --uid 10001 --gid nogroup --home-dir /app --no-create-home portal \
    && mkdir -p /app/var/media /srv/static \
    && chown -R portal:nogroup /app/var /srv/static

ENV MEDIA_ROOT=/app/var/media
USER portal

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
