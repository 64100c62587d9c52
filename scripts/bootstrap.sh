#!/usr/bin/env bash
# Installs what Warta needs on a fresh machine: uv and the locked Python dependencies; nginx; the
# toolchains that fetch Kafka's classpath (Java + Maven) and build the MongoDB-wire server
# secantus-mdb (Rust + CMake + a C compiler) and Mailpit (Go); then Kafka's jars, the server
# and Mailpit (go install from the Go module proxy), once,
# into the tools cache (~/.cache/warta/tools, or WARTA_TOOLS_DIR). Later runs take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
export UV_PYTHON_DOWNLOADS=never

need_apt=()
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_apt+=(maven)
command -v go >/dev/null || need_apt+=(golang-go)
command -v cmake >/dev/null || need_apt+=(cmake)
command -v cc >/dev/null || need_apt+=(build-essential)
command -v cargo >/dev/null || [ -x "$HOME/.cargo/bin/cargo" ] || need_apt+=(cargo)
# The front door: Debian's nginx, run in the foreground by `warta stack up` (never as a system
# service). bookworm has the small nginx-light; later releases ship only nginx.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if apt-cache policy nginx-light 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    need_apt+=(nginx-light)
  else
    need_apt+=(nginx)
  fi
fi
# The website channel's local site: Debian's WordPress 6.1 with its Indonesian language pack,
# PHP and MariaDB (run by `warta stack up` inside .warta/wordpress/, never as system services);
# chromium and its driver for the console's browser tests.
for package in wordpress wordpress-l10n wordpress-theme-twentytwentythree php-cli php-mysql \
    php-gd php-xml php-mbstring php-curl mariadb-server mariadb-client chromium chromium-driver; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' \
    || need_apt+=("$package")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]} with apt-get"
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi
[ -d "$HOME/.cargo/bin" ] && export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v uv >/dev/null || [ "$(uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  python3 -m pip install --quiet "uv==$UV_VERSION"
fi
uv sync --frozen --python python3.11 --quiet

# Outside pytest, so that the cold build's progress reaches the terminal.
uv run --frozen python -c 'from warta_cli import infra; infra.install_kafka(); infra.build_secantus(); infra.install_mailpit()'
