#!/usr/bin/env bash
# The sandbox suite as an unprivileged user, as most users run quiz: uid != 0, RLIMIT_NPROC in
# force, no cgroup delegation, a user namespace only if the kernel grants one to a plain user.
# CI runs as root, so it makes that user, copies the work tree where the user can read it (the
# clone may sit under /root, mode 700) and builds a virtualenv from the system Python there
# (pyenv's Python lives under /root too). Skipped, with a line saying so, when not root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "nonroot-sandbox: already unprivileged; the main suite covered this path"
  exit 0
fi
USER_NAME=quizci
BASE=/tmp/quiz-nonroot
PYTHON=/usr/bin/python3
id "$USER_NAME" >/dev/null 2>&1 || useradd --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
rm -rf "$BASE"
mkdir -p "$BASE/src" "$BASE/home"
git ls-files -z | tar --null -T - -cf - | tar -C "$BASE/src" -xf -
chown -R "$USER_NAME": "$BASE"
as_user() { runuser -u "$USER_NAME" -- env HOME="$BASE/home" QUIZ_HOME="$BASE/quiz-home" "$@"; }
as_user "$PYTHON" -m venv "$BASE/venv"
as_user "$BASE/venv/bin/pip" install -q torch==2.13.0
as_user "$BASE/venv/bin/pip" install -q -e "$BASE/src" pytest pytest-asyncio pytest-timeout hypothesis
cd "$BASE/src"
as_user "$BASE/venv/bin/python" -c "import os; assert os.getuid() != 0; print('nonroot-sandbox: uid', os.getuid())"
as_user "$BASE/venv/bin/python" -m pytest -p no:cacheprovider -q tests/sandbox
