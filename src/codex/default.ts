/**
 * The embedded default Sepulcher: what `render`, `check` and `bind --dry-run` use when no Codex
 * exists, and what `lychd init` writes.
 *
 * @module
 */

/** Shown to users and written by `lychd init`. */
export const DEFAULT_CODEX_NAME = "<embedded default>";

/** The default Codex text. The first line lets taplo-based editors find the schema. */
export const DEFAULT_CODEX = `#:schema ./codex.schema.json
# The Codex: what lychd binds into Podman Quadlets. Reference: lychd --help, docs/codex.md.
version = 1

[sepulcher]
name = "lychd"
network = "bridge"
bind_address = "127.0.0.1"

# The application.
[vessel]
image = "ghcr.io/open-webui/open-webui:v0.6.34"
description = "lychd vessel (Open WebUI)"
ports = ["3000:8080"]
volumes = ["vessel-data:/app/backend/data"]
# Soulstones are reached by service name on the sepulcher's network (one of the two runs at a time): this
# works rootless and rootful. Rootful Podman can use the gateway instead, which starts and swaps models on
# demand: OPENAI_API_BASE_URL = "http://lychd-gateway:4000/v1" (see docs/gateway.md).
env = { OPENAI_API_BASE_URLS = "http://vllm:8000/v1;http://llamacpp:8000/v1", OPENAI_API_KEYS = "none;none", ENABLE_OLLAMA_API = "false" }
requires = ["phylactery"]
wants = ["oculus"]

# The database.
[phylactery]
image = "docker.io/library/postgres:17"
description = "lychd phylactery (PostgreSQL)"
volumes = ["phylactery-data:/var/lib/postgresql/data"]
env = { POSTGRES_USER = "lychd", POSTGRES_DB = "lychd" }
secrets = [{ name = "lychd-db-password", type = "env", target = "POSTGRES_PASSWORD" }]
health = { cmd = "pg_isready -U lychd", interval = "10s", timeout = "5s", retries = 5 }
stop_timeout = 30

# Tracing.
[oculus]
image = "docker.io/jaegertracing/jaeger:2.11.0"
description = "lychd oculus (Jaeger)"
ports = ["16686:16686"]

# One OpenAI-compatible endpoint for both runtimes (docs/gateway.md): a request names a model,
# the gateway starts its runtime, first draining and stopping the other.
[gateway]
listen = "4000"
queue_timeout = "15m"
drain_timeout = "2m"

# Two LLM runtimes on the same GPUs: starting one stops the other first.
[soulstones.vllm]
image = "docker.io/vllm/vllm-openai:v0.11.0"
description = "lychd soulstone vllm"
command = ["--model", "Qwen/Qwen2.5-7B-Instruct", "--max-model-len", "8192"]
devices = ["nvidia.com/gpu=all"]
ports = ["8000:8000"]
volumes = ["models:/root/.cache/huggingface"]
shm_size = "16g"
health = { cmd = "curl -fsS http://localhost:8000/health", interval = "15s", start_period = "10m" }
fallback = "llamacpp"
models = ["qwen2.5-7b", "qwen"]
served_name = "Qwen/Qwen2.5-7B-Instruct"
idle_stop = "30m"

[soulstones.llamacpp]
image = "ghcr.io/ggml-org/llama.cpp:server-cuda"
description = "lychd soulstone llama.cpp"
command = ["-hf", "Qwen/Qwen2.5-7B-Instruct-GGUF", "--host", "0.0.0.0", "--port", "8000"]
devices = ["nvidia.com/gpu=all"]
ports = ["8000:8000"]
volumes = ["models:/root/.cache/llama.cpp"]
health = { cmd = "curl -fsS http://localhost:8000/health", interval = "15s", start_period = "5m" }
models = ["qwen2.5-7b-gguf"]
idle_stop = "30m"
`;
