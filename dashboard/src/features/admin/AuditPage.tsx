import { Placeholder } from '../../ui/Placeholder';

export default Placeholder;
