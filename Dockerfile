# labourwatch: migrates the database, then serves. Settings come from LABOURWATCH_* variables.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/labourwatch
# A CJK font (and fontconfig to find it) for the PDF documents (文书): embedded, so a
# paper prints the same everywhere; without it they fall back to an unembedded font.
RUN apt-get update && apt-get install -y --no-install-recommends fontconfig fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install --no-cache-dir -e . && useradd --system --uid 10001 labourwatch
USER labourwatch
EXPOSE 8000
# `serve` migrates, seeds the reference data, then serves. Alembic takes no lock of its own:
# `serve` and `migrate` hold a PostgreSQL advisory lock for that start-up work, so replicas
# started together take turns and the later ones find it done (app/migrate.py). `migrate`
# can also run as a one-off job before the replicas start.
# Behind a load balancer, set LABOURWATCH_TRUSTED_PROXIES to its address(es): X-Forwarded-For
# is honoured from those peers only, so each tipster is rate-limited on their own address.
CMD ["labourwatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
