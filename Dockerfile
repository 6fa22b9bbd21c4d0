# syntax=docker/dockerfile:1
# A small non-root image: a static binary on distroless, no shell.
#   docker build -t tlsecho .
#   docker run --rm -p 8433:8433 -p 8443:8443 -p 9090:9090 tlsecho
# The go.mod version exactly: the image builds with GOTOOLCHAIN=local, so an
# older cached 1.26 image would refuse the module rather than fetch a toolchain.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/tlsecho ./cmd/tlsecho

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tlsecho /tlsecho
# uid 65532; the default ports are above 1024, so no capability is needed.
USER nonroot:nonroot
EXPOSE 8433 8443 9090
# The server drains on SIGTERM within TLSECHO_SHUTDOWN_TIMEOUT (15s); give
# docker stop a longer grace period than that: docker stop -t 20.
STOPSIGNAL SIGTERM
# tlsecho health bounds itself: 3s for an answer, plus TLSECHO_FAULT's
# hsdelay (at most 60s) when the admin and HTTP listeners are off and it
# must ask the HTTPS port. Docker's timeout is only a backstop and must not
# cut that short: a server that answers late on purpose is healthy.
HEALTHCHECK --interval=10s --timeout=65s --start-period=5s --retries=3 CMD ["/tlsecho", "health"]
ENTRYPOINT ["/tlsecho"]
CMD ["serve"]
