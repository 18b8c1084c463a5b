-- Recap's PostgreSQL schema as the code of revision 0001's time left it: Base.metadata.create_all (no
-- alembic_version) plus the rows of schema_0001_sqlite.sql. Made once with pg_dump 15 (--inserts --no-owner
-- --no-privileges) from a schema named recap_0001; then the schema name, the search_path reset and the
-- \restrict lines were taken out, so the statements land in the connection's own schema and need no psql.
--
-- PostgreSQL database dump
--

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_log; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE audit_log (
    id integer NOT NULL,
    at timestamp without time zone NOT NULL,
    person_email character varying(320),
    command character varying(64) NOT NULL,
    ids text NOT NULL,
    room_id character varying(255),
    outcome character varying(255) NOT NULL
);

--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: -; Owner: -
--

CREATE SEQUENCE audit_log_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: -; Owner: -
--

ALTER SEQUENCE audit_log_id_seq OWNED BY audit_log.id;

--
-- Name: digests; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE digests (
    archive_id character varying(255) NOT NULL,
    version integer NOT NULL,
    body bytea NOT NULL,
    created_at timestamp without time zone NOT NULL
);

--
-- Name: job_ledger; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE job_ledger (
    id character varying(32) NOT NULL,
    task character varying(64) NOT NULL,
    payload text NOT NULL,
    attempt integer NOT NULL,
    state character varying(16) NOT NULL,
    due_at timestamp without time zone NOT NULL,
    token character varying(32),
    holder character varying(128),
    lease_until timestamp without time zone,
    posts integer NOT NULL,
    redriven integer NOT NULL,
    updated_at timestamp without time zone NOT NULL
);

--
-- Name: oauth_tokens; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE oauth_tokens (
    name character varying(64) NOT NULL,
    source character varying(64) NOT NULL,
    access_token text,
    expires_at timestamp without time zone,
    refresh_at timestamp without time zone,
    refresh_token text,
    version integer NOT NULL,
    lease_owner character varying(128),
    lease_until timestamp without time zone,
    updated_at timestamp without time zone NOT NULL
);

--
-- Name: recap_deliveries; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE recap_deliveries (
    id integer NOT NULL,
    meeting_id character varying(255) NOT NULL,
    room_id character varying(255) NOT NULL,
    state character varying(16) NOT NULL,
    opened_at timestamp without time zone NOT NULL,
    deadline_at timestamp without time zone NOT NULL,
    attempts integer NOT NULL,
    claim_token character varying(64),
    lease_until timestamp without time zone,
    message_id character varying(255),
    archive_id character varying(255),
    note character varying(255) NOT NULL,
    updated_at timestamp without time zone NOT NULL
);

--
-- Name: recap_deliveries_id_seq; Type: SEQUENCE; Schema: -; Owner: -
--

CREATE SEQUENCE recap_deliveries_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: recap_deliveries_id_seq; Type: SEQUENCE OWNED BY; Schema: -; Owner: -
--

ALTER SEQUENCE recap_deliveries_id_seq OWNED BY recap_deliveries.id;

--
-- Name: room_settings; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE room_settings (
    room_id character varying(255) NOT NULL,
    timezone character varying(64),
    updated_by character varying(320),
    updated_at timestamp without time zone NOT NULL
);

--
-- Name: seen_events; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE seen_events (
    id integer NOT NULL,
    resource character varying(64) NOT NULL,
    event character varying(64) NOT NULL,
    data_id character varying(255) NOT NULL,
    seen_at timestamp without time zone NOT NULL
);

--
-- Name: seen_events_id_seq; Type: SEQUENCE; Schema: -; Owner: -
--

CREATE SEQUENCE seen_events_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: seen_events_id_seq; Type: SEQUENCE OWNED BY; Schema: -; Owner: -
--

ALTER SEQUENCE seen_events_id_seq OWNED BY seen_events.id;

--
-- Name: subscriptions; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE subscriptions (
    id integer NOT NULL,
    room_id character varying(255) NOT NULL,
    room_type character varying(16) NOT NULL,
    kind character varying(8) NOT NULL,
    value character varying(320) NOT NULL,
    created_by character varying(320),
    created_at timestamp without time zone NOT NULL
);

--
-- Name: subscriptions_id_seq; Type: SEQUENCE; Schema: -; Owner: -
--

CREATE SEQUENCE subscriptions_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

--
-- Name: subscriptions_id_seq; Type: SEQUENCE OWNED BY; Schema: -; Owner: -
--

ALTER SEQUENCE subscriptions_id_seq OWNED BY subscriptions.id;

--
-- Name: webex_budget; Type: TABLE; Schema: -; Owner: -
--

CREATE TABLE webex_budget (
    key character varying(64) NOT NULL,
    tat double precision NOT NULL,
    hold_until double precision NOT NULL
);

--
-- Name: audit_log id; Type: DEFAULT; Schema: -; Owner: -
--

ALTER TABLE ONLY audit_log ALTER COLUMN id SET DEFAULT nextval('audit_log_id_seq'::regclass);

--
-- Name: recap_deliveries id; Type: DEFAULT; Schema: -; Owner: -
--

ALTER TABLE ONLY recap_deliveries ALTER COLUMN id SET DEFAULT nextval('recap_deliveries_id_seq'::regclass);

--
-- Name: seen_events id; Type: DEFAULT; Schema: -; Owner: -
--

ALTER TABLE ONLY seen_events ALTER COLUMN id SET DEFAULT nextval('seen_events_id_seq'::regclass);

--
-- Name: subscriptions id; Type: DEFAULT; Schema: -; Owner: -
--

ALTER TABLE ONLY subscriptions ALTER COLUMN id SET DEFAULT nextval('subscriptions_id_seq'::regclass);

--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO audit_log VALUES (1, '2026-11-30 09:15:01', 'admin@example.com', 'summary', '4E32_R_1000637312', 'ROOM-DIRECT-1', 'ok');
INSERT INTO audit_log VALUES (2, '2026-11-30 09:20:00', NULL, 'recap', '0ed7_I_1660,4E32_R_1000637312', NULL, 'refused: « non-admin » ✗');

--
-- Data for Name: digests; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO digests VALUES ('4E32_R_1000637312', 3, '\x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00656e64', '2026-11-30 09:15:02');
INSERT INTO digests VALUES ('5F43_R_2000000001', 3, '\x7b2274223a22c3a974c3a9227d', '2026-11-29 18:00:00');

--
-- Data for Name: job_ledger; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO job_ledger VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'summary', '{"id": "4E32_R_1000637312", "room": "ROOM-DIRECT-1"}', 1, 'queued', '2026-11-30 09:15:00', NULL, NULL, NULL, 0, 0, '2026-11-30 09:15:00');
INSERT INTO job_ledger VALUES ('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'recap', '{"meeting": "0ed8_I_1661"}', 3, 'running', '2026-11-30 10:00:00', 'tttttttttttttttttttttttttttttttt', 'web-1:4242', '2026-11-30 10:01:00', 1, 1, '2026-11-30 10:00:00');

--
-- Data for Name: oauth_tokens; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO oauth_tokens VALUES ('admin', 'client-hash-1', 'gAAAAABsealed-access', '2026-12-14 09:00:00', '2026-12-13 09:00:00', 'gAAAAABsealed-refresh', 7, NULL, NULL, '2026-11-30 09:00:00');
INSERT INTO oauth_tokens VALUES ('spare', 'client-hash-2', NULL, NULL, NULL, NULL, 0, 'worker-2:99', '2026-11-30 09:01:00', '2026-11-30 09:00:00');

--
-- Data for Name: recap_deliveries; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO recap_deliveries VALUES (1, '0ed7_I_1660', 'ROOM-GROUP-2', 'posted', '2026-11-30 09:00:00', '2026-12-01 09:00:00', 2, NULL, NULL, 'MSG-42', '4E32_R_1000637312', '', '2026-11-30 09:30:00');
INSERT INTO recap_deliveries VALUES (2, '0ed8_I_1661', 'ROOM-GROUP-2', 'claimed', '2026-11-30 10:00:00', '2026-12-01 10:00:00', 1, 'cccccccccccccccccccccccccccccccc', '2026-11-30 10:16:00', NULL, NULL, 'waiting for the archive', '2026-11-30 10:15:00');

--
-- Data for Name: room_settings; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO room_settings VALUES ('ROOM-DIRECT-1', 'Europe/Paris', 'admin@example.com', '2026-11-02 08:00:00');
INSERT INTO room_settings VALUES ('ROOM-GROUP-2', NULL, NULL, '2026-11-03 08:00:00');

--
-- Data for Name: seen_events; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO seen_events VALUES (1, 'messages', 'created', 'Y2lzY29zcGFyazovL3VzL01FU1NBR0UvMQ', '2026-11-30 09:15:00');
INSERT INTO seen_events VALUES (2, 'attachmentActions', 'created', 'sha256:abababababababababababababababababababababababababababababababab', '2026-11-30 09:16:30.25');

--
-- Data for Name: subscriptions; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO subscriptions VALUES (1, 'ROOM-GROUP-2', 'group', 'host', 'alice@example.com', 'admin@example.com', '2026-11-04 10:00:00');
INSERT INTO subscriptions VALUES (2, 'ROOM-GROUP-2', 'group', 'all', '', NULL, '2026-11-05 10:00:00');

--
-- Data for Name: webex_budget; Type: TABLE DATA; Schema: -; Owner: -
--

INSERT INTO webex_budget VALUES ('kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk', 1796029200.125, 0);
INSERT INTO webex_budget VALUES ('mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm', 0, 1796029260.5);

--
-- Name: audit_log_id_seq; Type: SEQUENCE SET; Schema: -; Owner: -
--

SELECT pg_catalog.setval('audit_log_id_seq', 2, true);

--
-- Name: recap_deliveries_id_seq; Type: SEQUENCE SET; Schema: -; Owner: -
--

SELECT pg_catalog.setval('recap_deliveries_id_seq', 2, true);

--
-- Name: seen_events_id_seq; Type: SEQUENCE SET; Schema: -; Owner: -
--

SELECT pg_catalog.setval('seen_events_id_seq', 2, true);

--
-- Name: subscriptions_id_seq; Type: SEQUENCE SET; Schema: -; Owner: -
--

SELECT pg_catalog.setval('subscriptions_id_seq', 2, true);

--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

--
-- Name: digests digests_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY digests
    ADD CONSTRAINT digests_pkey PRIMARY KEY (archive_id);

--
-- Name: job_ledger job_ledger_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY job_ledger
    ADD CONSTRAINT job_ledger_pkey PRIMARY KEY (id);

--
-- Name: oauth_tokens oauth_tokens_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY oauth_tokens
    ADD CONSTRAINT oauth_tokens_pkey PRIMARY KEY (name);

--
-- Name: recap_deliveries recap_deliveries_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY recap_deliveries
    ADD CONSTRAINT recap_deliveries_pkey PRIMARY KEY (id);

--
-- Name: room_settings room_settings_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY room_settings
    ADD CONSTRAINT room_settings_pkey PRIMARY KEY (room_id);

--
-- Name: seen_events seen_events_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY seen_events
    ADD CONSTRAINT seen_events_pkey PRIMARY KEY (id);

--
-- Name: subscriptions subscriptions_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY subscriptions
    ADD CONSTRAINT subscriptions_pkey PRIMARY KEY (id);

--
-- Name: recap_deliveries uq_recap_delivery; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY recap_deliveries
    ADD CONSTRAINT uq_recap_delivery UNIQUE (meeting_id, room_id);

--
-- Name: seen_events uq_seen_event; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY seen_events
    ADD CONSTRAINT uq_seen_event UNIQUE (resource, event, data_id);

--
-- Name: subscriptions uq_subscription_rule; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY subscriptions
    ADD CONSTRAINT uq_subscription_rule UNIQUE (room_id, kind, value);

--
-- Name: webex_budget webex_budget_pkey; Type: CONSTRAINT; Schema: -; Owner: -
--

ALTER TABLE ONLY webex_budget
    ADD CONSTRAINT webex_budget_pkey PRIMARY KEY (key);

--
-- Name: ix_audit_at; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX ix_audit_at ON audit_log USING btree (at);

--
-- Name: ix_digests_created_at; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX ix_digests_created_at ON digests USING btree (created_at);

--
-- Name: ix_job_ledger_state_due; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX ix_job_ledger_state_due ON job_ledger USING btree (state, due_at);

--
-- Name: ix_seen_events_seen_at; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX ix_seen_events_seen_at ON seen_events USING btree (seen_at);

--
-- Name: ix_subscriptions_room_id; Type: INDEX; Schema: -; Owner: -
--

CREATE INDEX ix_subscriptions_room_id ON subscriptions USING btree (room_id);

--
-- PostgreSQL database dump complete
--
