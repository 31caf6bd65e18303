#!/usr/bin/env bash
# Installs what rebuilding the runtime wasm needs on a fresh Debian 12 machine, idempotently:
#   - Debian's rustc-web / cargo-web / rust-web-src (a Rust with wasm support and its library
#     sources) and lld-22 (Debian's rust-lld points at it);
#   - core, alloc and compiler_builtins prebuilt for wasm32v1-none inside Debian's sysroot, which
#     is what substrate-wasm-builder looks for before it picks that target.
# Rustup's toolchain is left alone: it builds everything native.
# Prints the environment the runtime build must use (see scripts/build-runtime.sh).
set -euo pipefail

log() { printf '[wasm-toolchain] %s\n' "$*" >&2; }

need_pkgs=()
for pkg in rustc-web cargo-web rust-web-src lld-22; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_pkgs+=("$pkg")
done
if ((${#need_pkgs[@]})); then
  log "installing Debian packages: ${need_pkgs[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
else
  log "Debian packages present"
fi

DEBIAN_RUSTC=/usr/bin/rustc
DEBIAN_CARGO=/usr/bin/cargo
sysroot=$("$DEBIAN_RUSTC" --print sysroot)
target_lib="$sysroot/lib/rustlib/wasm32v1-none/lib"

have_rlib() { compgen -G "$target_lib/lib$1-*.rlib" >/dev/null; }
if have_rlib core && have_rlib alloc && have_rlib compiler_builtins; then
  log "wasm32v1-none std libraries present in $target_lib"
else
  log "building core/alloc/compiler_builtins for wasm32v1-none (about 20 s)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/src"
  cat >"$work/Cargo.toml" <<'TOML'
[package]
name = "wasm-sysroot-seed"
version = "0.0.0"
edition = "2021"

[lib]
crate-type = ["rlib"]

[profile.release]
panic = "abort"
TOML
  printf '#![no_std]\nextern crate alloc;\n' >"$work/src/lib.rs"
  (
    cd "$work"
    # The seed build must not pick up rustup's rustc from PATH.
    RUSTC="$DEBIAN_RUSTC" RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Cembed-bitcode=yes" \
      CARGO_TARGET_DIR="$work/target" \
      "$DEBIAN_CARGO" build --quiet --release --target wasm32v1-none -Zbuild-std=core,alloc
  )
  deps="$work/target/wasm32v1-none/release/deps"
  SUDO=""
  [[ -w "$sysroot/lib/rustlib" || $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO mkdir -p "$target_lib"
  for lib in core alloc compiler_builtins; do
    found=$(compgen -G "$deps/lib$lib-*.rlib" | head -n 1 || true)
    [[ -n "$found" ]] || { log "error: lib$lib was not built"; exit 1; }
    $SUDO cp "$found" "$target_lib/"
  done
  log "installed into $target_lib"
fi

"$DEBIAN_RUSTC" --version >&2
