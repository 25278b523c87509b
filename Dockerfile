# The vcc controller image, made from the binaries `make build` produced
# (static, pinned plugins) on an empty base: it builds without pulling
# anything. `make image` builds it; docker-compose.yml uses it.
FROM scratch
COPY bin/image/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY bin/vcc-host /usr/local/bin/vcc-host
COPY bin/plugins/ /usr/local/lib/vcc/plugins/
WORKDIR /vcc
# TMPDIR: plugins' unix sockets; the empty base has no /tmp.
ENV VCC_DATA_DIR=/vcc/volume VCC_CONFIG_DIR=/vcc/config VCC_CERT_DIR=/vcc/cert \
    VCC_PLUGIN_DIR=/usr/local/lib/vcc/plugins VCC_LOG_FORMAT=json VCC_LISTEN=:8443 \
    TMPDIR=/vcc/volume/.tmp
# Not root: the data dir must be writable by this user (see README).
USER 10001:10001
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/vcc-host"]
CMD ["serve"]
