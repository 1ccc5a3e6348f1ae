# One image for every chidao service: `chidao serve issuer|notifier|reporter|aggregator`
# (and the command line: `chidao directory load FILE`, `chidao dlq list`, ...).
# Build: docker build -t chidao:0.1.0 .

# --- build: the locked dependencies and chidao itself, as wheels in a virtualenv --------
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/chidao
WORKDIR /src
COPY requirements.lock ./
RUN /opt/chidao/bin/pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY chidao ./chidao
COPY services ./services
COPY shared ./shared
RUN /opt/chidao/bin/pip install --no-deps --no-build-isolation .

# --- run: the virtualenv only, as an unprivileged user -----------------------------------
FROM python:3.11.11-slim-bookworm
ENV PATH=/opt/chidao/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    CHIDAO_HTTP_HOST=0.0.0.0 CHIDAO_HTTP_PORT=8080 CHIDAO_VAR_DIR=/tmp/chidao
COPY --from=build /opt/chidao /opt/chidao
# The demo directory, so that a one-shot job can load it (compose.yaml's "directory").
COPY chidao/demo/directory.yaml /app/chidao/demo/directory.yaml
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin chidao
USER 10001
WORKDIR /app
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
ENTRYPOINT ["chidao"]
CMD ["--help"]
