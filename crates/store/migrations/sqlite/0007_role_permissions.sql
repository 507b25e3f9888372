-- Roles grant permissions (keys of the Permission enum); admins create
-- roles of their own from them. The built-in roles keep their ids 1–3.
CREATE TABLE role_permissions (
    role_id BIGINT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);

INSERT INTO role_permissions (role_id, permission) VALUES
    (1, 'admin.user'), (1, 'ticket.read'), (1, 'ticket.reply'), (1, 'ticket.log_time'), (1, 'ticket.change_state'),
    (2, 'ticket.read'), (2, 'ticket.reply'), (2, 'ticket.log_time'), (2, 'ticket.change_state'),
    (3, 'ticket.customer');

-- Bumped by every save of a role, so a stale save is refused.
ALTER TABLE roles ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
