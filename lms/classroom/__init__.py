"""Classroom sessions of a course: scheduling, sign-up and waiting list, attendance, iCalendar, reminders (issue 15)."""
