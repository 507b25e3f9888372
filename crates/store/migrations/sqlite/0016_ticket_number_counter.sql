-- Ticket numbers are never given twice.
--
-- A ticket's number used to be the highest number so far plus one, so
-- deleting the newest ticket (with its customer) handed its number to the
-- next ticket opened, and a note or mail quoting it then pointed at someone
-- else's ticket. The last number given is now kept in a row of its own,
-- which only ever counts up: openers take it in turns (the row is locked
-- until the opening commits), and an opening that fails gives none away.
CREATE TABLE ticket_numbers (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_given INTEGER NOT NULL
);
-- Numbers start at 10001; a database in use goes on from its highest.
INSERT INTO ticket_numbers (id, last_given) SELECT 1, COALESCE(MAX(number), 10000) FROM tickets;
