# The one image of the web, worker, beat and migrate services
# (docker-compose.yml); the start scripts are in compose/.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system cbm \
    && useradd --system --gid cbm --home-dir /app --no-create-home cbm \
    && mkdir -p /var/lib/celerybeat \
    && chown cbm:cbm /var/lib/celerybeat

# Locked, hash-checked dependencies first: this layer survives code changes.
COPY requirements/base.lock requirements/base.lock
RUN pip install --require-hashes -r requirements/base.lock

COPY . .

# Compile the translations and collect the static files into the image.
RUN chmod +x compose/entrypoint compose/healthcheck compose/start-* \
    && DJANGO_SETTINGS_MODULE=cbm_tracker.settings.production \
       DJANGO_SECRET_KEY=image-build-only \
       DJANGO_ALLOWED_HOSTS=build \
       DATABASE_URL=sqlite:////tmp/build.sqlite3 \
       sh -c "python manage.py compile_translations && python manage.py collectstatic --noinput" \
    && rm -f /tmp/build.sqlite3

USER cbm
EXPOSE 8000
ENTRYPOINT ["/app/compose/entrypoint"]
CMD ["/app/compose/start-web"]
