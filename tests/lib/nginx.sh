# shellcheck shell=bash
# nginx as a test backend. Source after tests/vm/lib.sh.
#   nginx_start HOST DIR HTTP   start nginx in HOST's namespace, its files
#                               under DIR, with HTTP (lines for the http
#                               block: settings and server blocks)
nginx_start() {
  local host=$1 d=$2
  mkdir -p "$d"
  cat > "$d/nginx.conf" <<NGINX
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  default_type application/octet-stream;
$3
}
NGINX
  on "$host" nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" -g 'daemon off;' &
}
