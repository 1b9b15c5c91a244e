#!/usr/bin/env bash
# Two ClickHouse test servers for usagetop's tests, on loopback ports, each
# from its own config file and data folder under /tmp/usagetop-clickhouse:
#   a: HTTP 18123, native 19000, interserver 19009
#   b: HTTP 18124, native 19001, interserver 19010
# with the cluster `usagetop_two_shards` (one shard per server), so that a
# Distributed table spans both. Installs Debian's clickhouse-server when it
# is missing. Idempotent: servers already answering are reused. Fails loudly
# (exit 1) when they cannot be started. Prints the test URLs on standard
# output (everything else goes to standard error):
#   USAGETOP_TEST_CLICKHOUSE_URL=clickhouse://usagetop:usagetop-test@127.0.0.1:18123/default
#   USAGETOP_TEST_CLICKHOUSE_SHARD_URL=clickhouse://usagetop:usagetop-test@127.0.0.1:18124/default
# Use: eval "$(bash .ci/clickhouse.sh | sed 's/^/export /')"
set -euo pipefail

root=/tmp/usagetop-clickhouse
user=usagetop
password=usagetop-test

fail() { echo "FATAL: $*" >&2; exit 1; }

answers() { curl -fsS --max-time 2 "http://127.0.0.1:$1/?user=$user&password=$password" --data-binary 'SELECT 1' 2>/dev/null | grep -qx 1; }

if ! command -v clickhouse-server >/dev/null 2>&1; then
    echo "clickhouse-server is missing; installing it" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server >/dev/null; } \
        || fail "cannot install clickhouse-server (apt-get install -y clickhouse-server); the ClickHouse tests need it"
    command -v clickhouse-server >/dev/null 2>&1 || fail "clickhouse-server is still missing after apt-get install"
fi
command -v curl >/dev/null 2>&1 || fail "curl is missing; .ci/clickhouse.sh needs it to check the servers"

# The two servers' ports: name http native interserver.
servers=("a 18123 19000 19009" "b 18124 19001 19010")

write_config() {
    local name=$1 http=$2 native=$3 inter=$4 dir=$root/$1
    mkdir -p "$dir"/{data,tmp,user_files,format_schemas,log}
    cat > "$dir/users.xml" <<XML
<yandex>
    <profiles>
        <default>
            <max_memory_usage>2000000000</max_memory_usage>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
        <$user>
            <password>$password</password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </$user>
    </users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
    cat > "$dir/config.xml" <<XML
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/log/server.log</log>
        <errorlog>$dir/log/error.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$http</http_port>
    <tcp_port>$native</tcp_port>
    <interserver_http_port>$inter</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <max_connections>256</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>50</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>$dir/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <remote_servers>
        <usagetop_two_shards>
            <shard><replica><host>127.0.0.1</host><port>19000</port><user>$user</user><password>$password</password></replica></shard>
            <shard><replica><host>127.0.0.1</host><port>19001</port><user>$user</user><password>$password</password></replica></shard>
        </usagetop_two_shards>
    </remote_servers>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
</yandex>
XML
}

for server in "${servers[@]}"; do
    read -r name http native inter <<<"$server"
    if answers "$http"; then
        echo "ClickHouse $name answers on 127.0.0.1:$http; reusing it" >&2
        continue
    fi
    write_config "$name" "$http" "$native" "$inter"
    echo "starting ClickHouse $name (HTTP $http, native $native, data $root/$name)" >&2
    setsid nohup clickhouse-server --config-file="$root/$name/config.xml" \
        >"$root/$name/log/stdout.log" 2>&1 </dev/null &
    echo $! >"$root/$name/pid"
done

for server in "${servers[@]}"; do
    read -r name http _ _ <<<"$server"
    for _ in $(seq 1 60); do
        answers "$http" && break
        sleep 1
    done
    if ! answers "$http"; then
        echo "--- $root/$name/log/error.log (last lines)" >&2
        tail -n 20 "$root/$name/log/error.log" "$root/$name/log/stdout.log" >&2 2>/dev/null || true
        fail "ClickHouse $name does not answer on 127.0.0.1:$http after 60 s; the ClickHouse tests cannot run"
    fi
done
echo "ClickHouse test servers up: 127.0.0.1:18123 (a), 127.0.0.1:18124 (b), cluster usagetop_two_shards" >&2
echo "USAGETOP_TEST_CLICKHOUSE_URL=clickhouse://$user:$password@127.0.0.1:18123/default"
echo "USAGETOP_TEST_CLICKHOUSE_SHARD_URL=clickhouse://$user:$password@127.0.0.1:18124/default"
