-- marketd: least-privilege MySQL 8 / MariaDB 10.6+ accounts.
--
-- Run once as an administrator (the RDS master user):
--   mysql -h HOST -u admin -p < deploy/mysql/grants.sql
-- after replacing both CHANGE_ME passwords (or ALTER USER afterwards).
-- deploy/deploy_test.go runs this file against the local MariaDB with
-- renamed users and database, checks the resulting privileges, and drops
-- them again.
--
-- Host part: '%' keeps the file portable; on RDS narrow it to the VPC's
-- range, e.g. 'marketd'@'10.0.%', and let the security group do the rest.
-- Over the network also add: ALTER USER 'marketd'@'%' REQUIRE SSL;
-- (the URL then carries ?tls=true).

CREATE DATABASE IF NOT EXISTS marketd CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- The collector (marketd run/collect/backfill/validate and `marketd migrate`).
-- DML for its work, plus the DDL goose migrations run at start
-- (database.auto_migrate): CREATE for new tables and goose's version table,
-- ALTER for changed columns, INDEX for CREATE/DROP INDEX, REFERENCES for any
-- foreign key a migration declares (MySQL 8 checks it; MariaDB ignores it).
-- No DROP: a forward migration never drops a table, and TRUNCATE or DROP
-- TABLE (down migrations) must be run by an administrator on purpose.
-- No GRANT OPTION, no global privileges, no FILE (LOAD DATA LOCAL does not
-- need it).
-- MAX_USER_CONNECTIONS caps this user at its pool (database_pool.max_open
-- 10) plus headroom for a CLI run alongside the daemon (backfill, validate).
CREATE USER IF NOT EXISTS 'marketd'@'%' IDENTIFIED BY 'CHANGE_ME_collector'
  WITH MAX_USER_CONNECTIONS 25;
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, REFERENCES
  ON marketd.* TO 'marketd'@'%';

-- Stricter variant: a separate migration user holding the DDL, the runtime
-- user DML only, database.auto_migrate: false in the daemon's config, and
-- `MARKETD_DATABASE=mysql://marketd_migrate:...@HOST/marketd marketd migrate`
-- run at each upgrade before the restart:
--   CREATE USER 'marketd_migrate'@'%' IDENTIFIED BY '...';
--   GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, REFERENCES ON marketd.* TO 'marketd_migrate'@'%';
--   REVOKE CREATE, ALTER, INDEX, REFERENCES ON marketd.* FROM 'marketd'@'%';

-- Applications that read the bars (dashboards, notebooks, a backtester).
-- They keep their own connection pool; the cap protects the collector.
CREATE USER IF NOT EXISTS 'marketd_reader'@'%' IDENTIFIED BY 'CHANGE_ME_reader'
  WITH MAX_USER_CONNECTIONS 20;
GRANT SELECT ON marketd.* TO 'marketd_reader'@'%';

-- Server settings to check (RDS: the DB parameter group).
--
-- max_connections: at least the sum of every pool plus admin headroom:
--   collector max_open 10 (+ a concurrent CLI run, capped at 25 above)
--   + each application's pool (capped at 20 for the reader)
--   + ~10 for administrators, backups and monitoring.
--   A db.t4g.micro defaults to ~80 (RDS derives it from memory): enough for
--   this; raise the caps only together with max_connections.
--
-- wait_timeout (default 28800 s; some hosts set 60-300 s): the server closes
--   idle connections after it. database_pool.conn_max_lifetime (3m) and
--   conn_max_idle_time (1m) must stay below it so the driver retires a
--   connection before the server does ("invalid connection" / broken pipe
--   otherwise). With wait_timeout below 180 s, lower conn_max_lifetime.
--
-- Time zone: marketd stores trading dates as DATE (civil dates, written as
--   'YYYY-MM-DD', never converted), so the server zone cannot shift them.
--   Keep the server at UTC anyway (time_zone = '+00:00', RDS default) so
--   TIMESTAMP columns such as run start/finish read the same everywhere.
--
-- Backups: RDS automated backups (point-in-time, 7 days by default) or EBS
--   snapshots of a self-managed server's volume (Data Lifecycle Manager,
--   daily). A portable copy of the data that matters:
--     mysqldump --single-transaction --no-create-db marketd > marketd.sql
--   or only the bars (the rest can be rebuilt by a backfill):
--     mysqldump --single-transaction marketd bars > bars.sql
--   (table name as in the store's migrations). Restore into a fresh
--   database, then `marketd migrate` and `marketd validate`.
