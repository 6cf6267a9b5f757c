# GENERATED FILE: do not edit. Regenerate with: npm run compose (local/generator/entrypoint.ts)
#
# Entrypoint wrapper of docker-stack.yml's services, run by the image's own sh before the service's command and
# before each healthcheck: sh /ferrum/entrypoint.sh COMMAND [ARG...].
#
# Swarm hands a service its credentials as files, /run/secrets/NAME. The service's environment holds ~~NAME~~
# where a credential goes (DATABASE_URL=postgres://user:~~FERRUM_AUTH_DB_PASSWORD~~@postgres:5432/...), and
# FERRUM_TEMPLATED_ENV names the variables that hold one. This replaces every ~~NAME~~ with the first line of
# /run/secrets/NAME, exports the result, unsets its own variables and execs the command: the command sees the
# env contract's variables with their values, and nothing else of this script. POSIX sh builtins only.
set -eu
# The variable list below is split on spaces; no pattern in it may match file names.
set -f

_ferrum_dir=${FERRUM_SECRETS_DIR:-/run/secrets}

_ferrum_fail() {
  printf 'ferrum-entrypoint: %s\n' "$1" >&2
  exit 1
}

# Sets _ferrum_value to the first line of the secret named $1.
_ferrum_secret() {
  case $1 in
    '' | *[!A-Za-z0-9_]*) _ferrum_fail "'$1' is not a secret name (letters, digits and _ only)" ;;
  esac
  [ -r "$_ferrum_dir/$1" ] ||
    _ferrum_fail "the secret $1 is not mounted at $_ferrum_dir/$1: create it (make swarm-secrets) and list it under the service's secrets"
  _ferrum_value=
  IFS= read -r _ferrum_value <"$_ferrum_dir/$1" || :
  [ -n "$_ferrum_value" ] || _ferrum_fail "the secret $1 is empty"
}

# Sets _ferrum_out to $1 with every ~~NAME~~ replaced by the secret NAME.
_ferrum_expand() {
  _ferrum_rest=$1
  _ferrum_out=
  while :; do
    case $_ferrum_rest in
      *'~~'*'~~'*) ;;
      *) break ;;
    esac
    _ferrum_out=$_ferrum_out${_ferrum_rest%%'~~'*}
    _ferrum_rest=${_ferrum_rest#*'~~'}
    _ferrum_secret "${_ferrum_rest%%'~~'*}"
    _ferrum_out=$_ferrum_out$_ferrum_value
    _ferrum_rest=${_ferrum_rest#*'~~'}
  done
  _ferrum_out=$_ferrum_out$_ferrum_rest
}

for _ferrum_name in ${FERRUM_TEMPLATED_ENV-}; do
  case $_ferrum_name in
    [!A-Za-z_]* | *[!A-Za-z0-9_]*) _ferrum_fail "'$_ferrum_name' in FERRUM_TEMPLATED_ENV is not a variable name" ;;
  esac
  eval "_ferrum_template=\${$_ferrum_name-}"
  case $_ferrum_template in
    *'~~'*'~~'*) ;;
    *) _ferrum_fail "$_ferrum_name is listed in FERRUM_TEMPLATED_ENV but holds no ~~NAME~~" ;;
  esac
  _ferrum_expand "$_ferrum_template"
  export "$_ferrum_name=$_ferrum_out"
done

[ "$#" -gt 0 ] || _ferrum_fail "no command to run: sh /ferrum/entrypoint.sh COMMAND [ARG...]"
unset FERRUM_TEMPLATED_ENV FERRUM_SECRETS_DIR _ferrum_dir _ferrum_value _ferrum_rest _ferrum_out _ferrum_name _ferrum_template
exec "$@"
