# sohoa: one image for the API (`sohoa serve`), the workers (`sohoa worker`) and the CLI.
# Debian 12 (bookworm) with Python 3.11, Tesseract 5 with Vietnamese + English, poppler, fonts.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # One OpenMP thread per process: Tesseract scales with processes (measured: 2 threads per
    # process can hang, and is slower). `sohoa worker` sets it again for every worker process.
    OMP_THREAD_LIMIT=1 \
    SOHOA_HOME=/data \
    SOHOA_TESSDATA=/usr/share/tesseract-ocr/5/tessdata

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng \
        poppler-utils qpdf hunspell-vi \
        fonts-dejavu-core fonts-dejavu-extra fonts-noto-core fonts-liberation2 \
        curl tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first (cached layer), then the code.
COPY pyproject.toml README.md ./
RUN mkdir -p pipeline classifiers extractors storage workers api samples \
 && for p in pipeline classifiers extractors storage workers api samples; do touch $p/__init__.py; done \
 && pip install . \
 && pip uninstall -y sohoa
COPY . .
# The document-type model is trained once, here (`sohoa train`): the product only loads it.
ENV SOHOA_MODELS=/opt/sohoa/models
RUN pip install --no-deps . \
 && sohoa train \
 && useradd --system --uid 10001 --home-dir /data --create-home sohoa \
 && mkdir -p /data && chown sohoa /data

USER sohoa
VOLUME ["/data"]
# 8000: HTTP API (`sohoa serve --host 0.0.0.0`); 9191: Prometheus metrics of `sohoa worker`.
EXPOSE 8000 9191
ENTRYPOINT ["tini", "--", "sohoa"]
CMD ["--help"]
