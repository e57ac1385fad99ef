# shellcheck shell=bash
# Helpers for test/k8s/*.sh against test/k8s/apiserver.sh's server (curl, no kubectl). Sourced.
pass=0 fail=0
ok()  { echo "ok - $*"; pass=$((pass + 1)); }
bad() { echo "not ok - $*"; fail=$((fail + 1)); }
# api TOKEN METHOD PATH [BODY [CONTENT-TYPE]] -> prints body, then "HTTP <code>" on the last line
api() {
  local args=(-s --cacert "$K8S_TEST_CA_FILE" -H "Authorization: Bearer $1" -X "$2" -w '\nHTTP %{http_code}\n')
  [ $# -ge 4 ] && args+=(-H "Content-Type: ${5:-application/json}" --data-binary "$4")
  curl "${args[@]}" "$K8S_TEST_SERVER$3"
}
code() { tail -1 <<<"$1" | cut -d' ' -f2; }
# field JSON_WITH_STATUS_LINE JS_EXPRESSION_OF_o: evaluates the expression on the body.
field() { head -n -1 <<<"$1" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const o=JSON.parse(s);console.log($2)})"; }
# start_server: this script's own server unless one is running (then that one).
start_server() {
  if ! "$HERE/apiserver.sh" status >/dev/null 2>&1; then
    "$HERE/apiserver.sh" start
    trap '"$HERE/apiserver.sh" stop' EXIT
  fi
  eval "$("$HERE/apiserver.sh" env)"
}
