import type { ScanStatus } from './virus-scanner.js';

/** How a page shows a stored file's scan: whether to link it, and the label beside it. */
export interface ScanBadge {
  /** Whether the file is linked for download. */
  downloadable: boolean;
  /** The label beside the file (govuk-tag), if any: clean files have none. */
  scanLabel?: string;
  scanTag?: 'grey' | 'yellow' | 'red';
}

/**
 * The scan label of a file for staff (`staff`: pending and infected files are
 * not opened, unscanned ones say so) or for the person who sent it (`own`:
 * they may take back their pending file; an infected one is gone).
 */
export function scanBadge(
  status: ScanStatus,
  viewer: 'staff' | 'own',
  t: (key: string, vars?: Record<string, unknown>) => string,
  signature?: string | null,
): ScanBadge {
  switch (status) {
    case 'clean':
      return { downloadable: true };
    case 'unscanned':
      return viewer === 'staff'
        ? { downloadable: true, scanLabel: t('virusScan.unscanned'), scanTag: 'grey' }
        : { downloadable: true };
    case 'pending':
      return viewer === 'staff'
        ? { downloadable: false, scanLabel: t('virusScan.pending'), scanTag: 'yellow' }
        : { downloadable: true, scanLabel: t('virusScan.pendingOwn'), scanTag: 'yellow' };
    case 'infected':
      return {
        downloadable: false,
        scanLabel: t('virusScan.infected', { signature: signature ?? '?' }),
        scanTag: 'red',
      };
  }
}
