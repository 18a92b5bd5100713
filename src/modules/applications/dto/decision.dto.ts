import { IsString } from 'class-validator';
import { Multiline } from './multiline.js';

/**
 * The application page's decision forms (ask for information, approve,
 * reject): every text is kept when the page comes back with an error. Whether
 * a text is required, and how long it may be, is ApplicationProcessingService's
 * rule (checked after separation of duties and the status).
 */
export class DecisionDto {
  @Multiline()
  @IsString({ message: 'errors.bad_request.message' })
  informationReason!: string;

  @Multiline()
  @IsString({ message: 'errors.bad_request.message' })
  conditions!: string;

  @Multiline()
  @IsString({ message: 'errors.bad_request.message' })
  rejectionReason!: string;
}
