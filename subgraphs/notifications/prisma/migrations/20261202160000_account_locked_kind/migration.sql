-- Security notice: sign-in locked after failed passwords (users publishes user.login_locked).
ALTER TYPE "NotificationKind" ADD VALUE 'ACCOUNT_LOCKED';
