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
# `serve` runs the migrations first; with several replicas Alembic's own table lock
# (PostgreSQL) makes the concurrent upgrades safe, and `migrate` can also run as a one-off job.
CMD ["labourwatch", "serve", "--host", "0.0.0.0", "--port", "8000"]
