-- Recap's database as the code of revision 0001's time left it: Base.metadata.create_all (no alembic_version)
-- plus two rows in each of its nine tables. Made once with sqlite3's iterdump(); tests/test_migrations.py
-- builds a database from it and upgrades it. Never regenerate it from newer code.
BEGIN TRANSACTION;
CREATE TABLE audit_log (
	id INTEGER NOT NULL,
	at DATETIME NOT NULL,
	person_email VARCHAR(320),
	command VARCHAR(64) NOT NULL,
	ids TEXT NOT NULL,
	room_id VARCHAR(255),
	outcome VARCHAR(255) NOT NULL,
	PRIMARY KEY (id)
);
INSERT INTO "audit_log" VALUES(1,'2026-11-30 09:15:01.000000','admin@example.com','summary','4E32_R_1000637312','ROOM-DIRECT-1','ok');
INSERT INTO "audit_log" VALUES(2,'2026-11-30 09:20:00.000000',NULL,'recap','0ed7_I_1660,4E32_R_1000637312',NULL,'refused: « non-admin » ✗');
CREATE TABLE digests (
	archive_id VARCHAR(255) NOT NULL,
	version INTEGER NOT NULL,
	body BLOB NOT NULL,
	created_at DATETIME NOT NULL,
	PRIMARY KEY (archive_id)
);
INSERT INTO "digests" VALUES('4E32_R_1000637312',3,X'000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF00656E64','2026-11-30 09:15:02.000000');
INSERT INTO "digests" VALUES('5F43_R_2000000001',3,X'7B2274223A22C3A974C3A9227D','2026-11-29 18:00:00.000000');
CREATE TABLE job_ledger (
	id VARCHAR(32) NOT NULL,
	task VARCHAR(64) NOT NULL,
	payload TEXT NOT NULL,
	attempt INTEGER NOT NULL,
	state VARCHAR(16) NOT NULL,
	due_at DATETIME NOT NULL,
	token VARCHAR(32),
	holder VARCHAR(128),
	lease_until DATETIME,
	posts INTEGER NOT NULL,
	redriven INTEGER NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
INSERT INTO "job_ledger" VALUES('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa','summary','{"id": "4E32_R_1000637312", "room": "ROOM-DIRECT-1"}',1,'queued','2026-11-30 09:15:00.000000',NULL,NULL,NULL,0,0,'2026-11-30 09:15:00.000000');
INSERT INTO "job_ledger" VALUES('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb','recap','{"meeting": "0ed8_I_1661"}',3,'running','2026-11-30 10:00:00.000000','tttttttttttttttttttttttttttttttt','web-1:4242','2026-11-30 10:01:00.000000',1,1,'2026-11-30 10:00:00.000000');
CREATE TABLE oauth_tokens (
	name VARCHAR(64) NOT NULL,
	source VARCHAR(64) NOT NULL,
	access_token TEXT,
	expires_at DATETIME,
	refresh_at DATETIME,
	refresh_token TEXT,
	version INTEGER NOT NULL,
	lease_owner VARCHAR(128),
	lease_until DATETIME,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (name)
);
INSERT INTO "oauth_tokens" VALUES('admin','client-hash-1','gAAAAABsealed-access','2026-12-14 09:00:00.000000','2026-12-13 09:00:00.000000','gAAAAABsealed-refresh',7,NULL,NULL,'2026-11-30 09:00:00.000000');
INSERT INTO "oauth_tokens" VALUES('spare','client-hash-2',NULL,NULL,NULL,NULL,0,'worker-2:99','2026-11-30 09:01:00.000000','2026-11-30 09:00:00.000000');
CREATE TABLE recap_deliveries (
	id INTEGER NOT NULL,
	meeting_id VARCHAR(255) NOT NULL,
	room_id VARCHAR(255) NOT NULL,
	state VARCHAR(16) NOT NULL,
	opened_at DATETIME NOT NULL,
	deadline_at DATETIME NOT NULL,
	attempts INTEGER NOT NULL,
	claim_token VARCHAR(64),
	lease_until DATETIME,
	message_id VARCHAR(255),
	archive_id VARCHAR(255),
	note VARCHAR(255) NOT NULL,
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT uq_recap_delivery UNIQUE (meeting_id, room_id)
);
INSERT INTO "recap_deliveries" VALUES(1,'0ed7_I_1660','ROOM-GROUP-2','posted','2026-11-30 09:00:00.000000','2026-12-01 09:00:00.000000',2,NULL,NULL,'MSG-42','4E32_R_1000637312','','2026-11-30 09:30:00.000000');
INSERT INTO "recap_deliveries" VALUES(2,'0ed8_I_1661','ROOM-GROUP-2','claimed','2026-11-30 10:00:00.000000','2026-12-01 10:00:00.000000',1,'cccccccccccccccccccccccccccccccc','2026-11-30 10:16:00.000000',NULL,NULL,'waiting for the archive','2026-11-30 10:15:00.000000');
CREATE TABLE room_settings (
	room_id VARCHAR(255) NOT NULL,
	timezone VARCHAR(64),
	updated_by VARCHAR(320),
	updated_at DATETIME NOT NULL,
	PRIMARY KEY (room_id)
);
INSERT INTO "room_settings" VALUES('ROOM-DIRECT-1','Europe/Paris','admin@example.com','2026-11-02 08:00:00.000000');
INSERT INTO "room_settings" VALUES('ROOM-GROUP-2',NULL,NULL,'2026-11-03 08:00:00.000000');
CREATE TABLE seen_events (
	id INTEGER NOT NULL,
	resource VARCHAR(64) NOT NULL,
	event VARCHAR(64) NOT NULL,
	data_id VARCHAR(255) NOT NULL,
	seen_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT uq_seen_event UNIQUE (resource, event, data_id)
);
INSERT INTO "seen_events" VALUES(1,'messages','created','Y2lzY29zcGFyazovL3VzL01FU1NBR0UvMQ','2026-11-30 09:15:00.000000');
INSERT INTO "seen_events" VALUES(2,'attachmentActions','created','sha256:abababababababababababababababababababababababababababababababab','2026-11-30 09:16:30.250000');
CREATE TABLE subscriptions (
	id INTEGER NOT NULL,
	room_id VARCHAR(255) NOT NULL,
	room_type VARCHAR(16) NOT NULL,
	kind VARCHAR(8) NOT NULL,
	value VARCHAR(320) NOT NULL,
	created_by VARCHAR(320),
	created_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT uq_subscription_rule UNIQUE (room_id, kind, value)
);
INSERT INTO "subscriptions" VALUES(1,'ROOM-GROUP-2','group','host','alice@example.com','admin@example.com','2026-11-04 10:00:00.000000');
INSERT INTO "subscriptions" VALUES(2,'ROOM-GROUP-2','group','all','',NULL,'2026-11-05 10:00:00.000000');
CREATE TABLE webex_budget (
	"key" VARCHAR(64) NOT NULL,
	tat FLOAT NOT NULL,
	hold_until FLOAT NOT NULL,
	PRIMARY KEY ("key")
);
INSERT INTO "webex_budget" VALUES('kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk',1796029200.125,0.0);
INSERT INTO "webex_budget" VALUES('mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm',0.0,1796029260.5);
CREATE INDEX ix_seen_events_seen_at ON seen_events (seen_at);
CREATE INDEX ix_audit_at ON audit_log (at);
CREATE INDEX ix_digests_created_at ON digests (created_at);
CREATE INDEX ix_job_ledger_state_due ON job_ledger (state, due_at);
CREATE INDEX ix_subscriptions_room_id ON subscriptions (room_id);
COMMIT;
