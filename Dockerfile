# One image for every chidao service: `chidao serve issuer|notifier|reporter|aggregator`.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY chidao ./chidao
COPY services ./services
COPY shared ./shared
RUN pip install --no-deps --no-build-isolation . && useradd --uid 10001 --no-create-home chidao
USER chidao
ENV CHIDAO_HTTP_HOST=0.0.0.0 CHIDAO_HTTP_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"
ENTRYPOINT ["chidao"]
