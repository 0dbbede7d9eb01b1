"""The credential pages: a holder's own (`mine`), HR's and supervisors' (`board`), and
continuing education, reminders and the calendar feed (`renewal`)."""
