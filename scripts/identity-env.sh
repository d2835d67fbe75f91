# Sourced (sh or bash): the development identity rule of scripts/start.sh and docker-compose.yml.
# - neither AUTH_JWKS_URL nor AUTH_JWT_SECRET set: a development HS256 secret, and development login on
#   (the booking API's POST /v1/dev/login), said in one line;
# - either set: both left alone, and development login off, since it signs a token for anyone.
# Every process computes the same secret, so the services agree on it without sharing anything.
if [ -z "${AUTH_JWKS_URL:-}" ] && [ -z "${AUTH_JWT_SECRET:-}" ]; then
  export AUTH_JWT_SECRET="development-only-user-token-secret-0123456789"
  export AUTH_DEV_LOGIN=true
  echo "identity: no identity provider configured (AUTH_JWKS_URL, AUTH_JWT_SECRET); using a development secret and serving POST /v1/dev/login on the booking API."
else
  export AUTH_DEV_LOGIN=false
fi
