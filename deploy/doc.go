// Package deploy holds what puts marketd on a host: the systemd unit, the
// example configuration, cloud-init user data, the container image and a
// local compose stack, the MySQL grants and the AWS policy. It has no code
// of its own; its tests check those files, because most of them cannot be
// exercised on a development machine (no EC2, no Docker engine).
package deploy
