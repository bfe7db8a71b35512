import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { ErrorMessage } from '../components/ui';
import { useApiData } from '../components/data';
import { formatDateTime } from '../i18n';

interface Inbox {
  notifications: { id: string; caseId: string | null; title: string; body: string; createdAt: string; readAt: string | null }[];
}

export default function NotificationsView() {
  const { t } = useTranslation();
  const inbox = useApiData<Inbox>('/api/v1/notifications');
  const list = inbox.data?.notifications ?? [];
  const unread = list.filter((n) => !n.readAt).length;
  return (
    <section>
      <h1>{t('notifications.title')}</h1>
      <ErrorMessage error={inbox.error} />
      {inbox.data && <p className="muted">{t('notifications.unread', { count: unread })}</p>}
      {inbox.data && list.length === 0 && <p className="empty">{t('notifications.empty')}</p>}
      <ul className="inbox">
        {list.map((n) => (
          <li key={n.id} className={n.readAt ? 'read' : 'unread'}>
            <div>
              <strong>{n.caseId ? <Link to={`/cases/${n.caseId}`}>{n.title}</Link> : n.title}</strong>
              <p>{n.body}</p>
              <time className="muted small" dateTime={n.createdAt}>{formatDateTime(n.createdAt)}</time>
            </div>
            {!n.readAt && (
              <button type="button" onClick={() => void api(`/api/v1/notifications/${n.id}/read`, { method: 'POST' }).then(inbox.reload)}>
                {t('notifications.markRead')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
