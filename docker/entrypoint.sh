#!/bin/sh
# The image's entry point.
#   serve [options]    apply migrations (once across replicas: an advisory lock), then serve
#   worker [options]   a Celery job worker (workers never migrate; the API does)
#   anything else      run it (e.g. `corridor keys create --org ... --role admin`)
set -eu

command="${1:-serve}"
[ "$#" -gt 0 ] && shift

case "$command" in
  serve)
    corridor db upgrade
    exec corridor serve "$@"
    ;;
  worker)
    exec corridor worker "$@"
    ;;
  *)
    exec "$command" "$@"
    ;;
esac
