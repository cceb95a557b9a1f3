#!/usr/bin/env bash
# System libraries the Python packages need, installed with apt when missing (as root):
# - pango/cairo headers and pkg-config: manim builds manimpango and pycairo from source;
# - EGL + Mesa: moderngl's headless OpenGL context (the 3D video renderer, llvmpipe on a CPU).
# Without root or apt it says what is missing; the 3D renderer then falls back to its
# NumPy renderer, and manim's install fails with a message naming these packages.
set -u

missing=()
pkg-config --exists pangocairo 2>/dev/null || missing+=(libpango1.0-dev libcairo2-dev pkg-config)
ldconfig -p 2>/dev/null | grep -q 'libEGL.so.1' || missing+=(libegl1)
ls /usr/lib/*/dri/swrast_dri.so /usr/lib/*/dri/kms_swrast_dri.so >/dev/null 2>&1 \
  || missing+=(libegl-mesa0 libgl1-mesa-dri)
ldconfig -p 2>/dev/null | grep -q 'libEGL_mesa' || missing+=(libegl-mesa0)

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "please install these system packages first: ${missing[*]}" >&2
fi
exit 0
