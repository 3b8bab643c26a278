#!/usr/bin/env bash
# Runs the secret-store test against a real Secret Service: a private D-Bus session with
# gnome-keyring-daemon (secrets component, a throwaway keyring in a temporary HOME).
# Exit 77 (skipped) where dbus-run-session or gnome-keyring-daemon is not installed.
set -euo pipefail
test_binary=$1
command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null || {
  echo "dbus-run-session or gnome-keyring-daemon missing: skipped"
  exit 77
}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME=$home XDG_DATA_HOME=$home/data XDG_RUNTIME_DIR=$home/run
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
exec dbus-run-session -- bash -c '
  # A new login keyring unlocked with a throwaway password (read from stdin).
  printf "vole-test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  VOLE_EXPECT_KEYRING=1 "$0" --gtest_filter="SecretStoreTest.DesktopKeyringWhenOneRuns"
' "$test_binary"
