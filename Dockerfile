FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir .
COPY . .
RUN SECRET_KEY=collectstatic FIELD_ENCRYPTION_KEY=build-only-key-0000000000000000000000000000= \
    python manage.py collectstatic --noinput
RUN useradd --create-home app && mkdir -p /app/var && chown -R app /app
USER app
EXPOSE 8000
CMD ["gunicorn", "cdiscount_integration.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
