import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Area, Bounds, fit, heatGrid, svgPath } from '@duban/geo';
import { currentLocale } from '../i18n';

export interface District {
  id: string;
  scheme: string;
  nameZh: string;
  nameEn: string;
  parentId: string | null;
  area?: Area | null;
}

export interface Pin {
  caseId: string;
  lat: number;
  lon: number;
  light: string;
  title?: string;
}

const W = 720;
const H = 520;
const HEAT = 24;

/**
 * The one map (一张图): the districts of the jurisdiction scheme, open cases as pins coloured by
 * their light, or the heat map of where they are. A click on a district selects it (again: all);
 * a pin opens its case. Drawn as SVG, so each district and pin is an element a keyboard and a
 * screen reader reach.
 */
export function CityMap({ districts, bounds, pins, heat, selected, onSelect, onOpen }: {
  districts: District[];
  bounds: Bounds;
  pins: Pin[];
  heat: boolean;
  selected?: string;
  onSelect: (id: string | undefined) => void;
  onOpen: (caseId: string) => void;
}) {
  const { t } = useTranslation();
  const project = useMemo(() => fit(bounds, W, H, 12), [bounds]);
  const top = districts.filter((d) => d.area && !d.parentId);
  const inner = districts.filter((d) => d.area && d.parentId);
  const cells = useMemo(() => (heat ? heatGrid(pins, bounds, HEAT, Math.round((HEAT * H) / W)) : []), [heat, pins, bounds]);
  const name = (d: District) => (currentLocale() === 'en' ? d.nameEn : d.nameZh);
  const [x0, y0] = project(bounds.minLon, bounds.maxLat);
  const [x1, y1] = project(bounds.maxLon, bounds.minLat);
  const cw = (x1 - x0) / HEAT;
  const ch = (y1 - y0) / Math.round((HEAT * H) / W);
  return (
    <svg className="city-map" viewBox={`0 0 ${W} ${H}`} role="group" aria-label={t('board.map')} data-testid="city-map">
      {top.map((d) => (
        <path
          key={d.id}
          d={svgPath(d.area!, project)}
          className={`district${selected === d.id ? ' selected' : ''}`}
          data-district={d.id}
          tabIndex={0}
          role="button"
          aria-pressed={selected === d.id}
          aria-label={name(d)}
          onClick={() => onSelect(selected === d.id ? undefined : d.id)}
          onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), onSelect(selected === d.id ? undefined : d.id))}
        >
          <title>{name(d)}</title>
        </path>
      ))}
      {inner.map((d) => <path key={d.id} d={svgPath(d.area!, project)} className="subdistrict" aria-hidden="true" />)}
      {heat
        ? cells.map((c) => (
            <rect key={`${c.col}-${c.row}`} className="heat" x={x0 + c.col * cw} y={y0 + c.row * ch} width={cw} height={ch} style={{ opacity: 0.15 + 0.7 * c.weight }} aria-hidden="true" />
          ))
        : pins.map((p) => {
            const [x, y] = project(p.lon, p.lat);
            // Pins are links a keyboard reaches too (Tab, Enter), named by their category and light.
            const label = `${p.title ?? p.caseId} · ${t(`lights.${p.light}`, { defaultValue: p.light })}`;
            return (
              <circle
                key={p.caseId}
                cx={x}
                cy={y}
                r={4.5}
                className={`pin pin-${p.light}`}
                data-case={p.caseId}
                data-light={p.light}
                role="link"
                tabIndex={0}
                aria-label={label}
                onClick={() => onOpen(p.caseId)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onOpen(p.caseId);
                  }
                }}
              >
                <title>{label}</title>
              </circle>
            );
          })}
      {top.map((d) => {
        const b = d.area!.type === 'Polygon' ? d.area!.coordinates[0] : d.area!.coordinates[0][0];
        const lon = b.reduce((s, [x]) => s + x, 0) / b.length;
        const lat = b.reduce((s, [, y]) => s + y, 0) / b.length;
        const [x, y] = project(lon, lat);
        return <text key={d.id} x={x} y={y} className="district-name" aria-hidden="true">{name(d)}</text>;
      })}
    </svg>
  );
}
