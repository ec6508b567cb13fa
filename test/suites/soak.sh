# A short soak (test/soak.sh 1): one minute of producers at a steady rate,
# the relay and a consumer; memory flat, nothing lost, lag bounded.  The
# ten-minute run is "bash test/soak.sh" (doc/hardening-b.md has its result).
set -uo pipefail
GG_SOAK_RATE=${GG_SOAK_RATE:-100} GG_SOAK_SAMPLE=${GG_SOAK_SAMPLE:-5} GG_SOAK_ROTATE=${GG_SOAK_ROTATE:-20} \
	bash "$GG_ROOT/test/soak.sh" "${GG_SOAK_MINUTES:-1}"
exit 0
