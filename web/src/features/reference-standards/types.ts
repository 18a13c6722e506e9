export type {
  CertificateInput,
  ReferenceStandard,
  ReferenceStandardInput,
  StandardCertificate,
} from '../../lib/api-types.ts';
