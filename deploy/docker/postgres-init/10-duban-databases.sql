-- Runs once, when the compose PostgreSQL volume is first initialised
-- (/docker-entrypoint-initdb.d). The role and the per-service databases the
-- local stack also has: one database per service, duban_<service>, owned by
-- the role duban (password duban: local development only).
CREATE ROLE duban LOGIN PASSWORD 'duban';
CREATE DATABASE duban_intake OWNER duban;
CREATE DATABASE duban_dispatch OWNER duban;
CREATE DATABASE duban_collaboration OWNER duban;
CREATE DATABASE duban_escalation OWNER duban;
CREATE DATABASE duban_assessment OWNER duban;
CREATE DATABASE duban_notification OWNER duban;
