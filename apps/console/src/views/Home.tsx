import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useSession, viewsFor } from '../session';
import { unitName } from '../components/ui';
import { useUnits } from '../components/data';

export function Home() {
  const { t } = useTranslation();
  const { person } = useSession();
  const units = useUnits();
  return (
    <section>
      <h1>{t('home.greeting', { name: person.username })}</h1>
      {person.unitId && <p className="muted">{t('home.unit', { unit: unitName(units, person.unitId) })}</p>}
      <p>{t('home.pick')}</p>
      <ul className="tiles">
        {viewsFor(person.roles).map((v) => (
          <li key={v}>
            <Link to={`/${v}`} className="tile">{t(`nav.${v}`)}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
