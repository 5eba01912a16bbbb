# layerbot's Discord bot in a container: `layerbot run` as an unprivileged user, the SQLite store on a volume.
#
#   docker build -t layerbot .
#   docker run --rm -e DISCORD_TOKEN=... layerbot sync          # register the slash commands (once)
#   docker run -d -e DISCORD_TOKEN=... -v layerbot-data:/data layerbot
#
# Settings come from the environment (see .env.example, or bot/settings.py for all of them).  The schema is
# migrated by `layerbot run` at every start.  docker-compose.yml runs it with SQLite, or as two shards on
# PostgreSQL (profile `scale`).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --create-home --uid 10001 --user-group layerbot \
 && mkdir /data \
 && chown layerbot:layerbot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY calc ./calc
COPY bot ./bot
COPY migrations ./migrations
RUN pip install . \
 && rm -rf /app/build

USER layerbot
# matplotlib builds its font cache on first use: do it now, not during someone's first /explain
RUN python -c "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot"

# The default SQLite file is /data/layerbot.db (DATABASE_URL, when set, wins).  /healthz and /metrics on
# port 8080, on every address of the container (so that other containers can scrape /metrics; nothing is
# published to the host unless you ask for it).
ENV LAYERBOT_DATA_DIR=/data \
    LAYERBOT_HTTP_PORT=8080 \
    LAYERBOT_HTTP_HOST=0.0.0.0
VOLUME ["/data"]
EXPOSE 8080

# 200 when every shard of this process is connected, the database answers and the workers run; 503 otherwise
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['LAYERBOT_HTTP_PORT']}/healthz\", timeout=4)"]

# SIGTERM (docker stop) finishes the answers in progress, then exits
STOPSIGNAL SIGTERM
ENTRYPOINT ["layerbot"]
CMD ["run"]
